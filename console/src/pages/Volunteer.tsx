// Placeholder until the page is written.
import { useTranslation } from "react-i18next";

export function Volunteer() {
  const { t } = useTranslation("volunteer");
  return <h1>{t("title")}</h1>;
}
