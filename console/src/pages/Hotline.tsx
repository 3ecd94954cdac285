// Placeholder until the page is written.
import { useTranslation } from "react-i18next";

export function Hotline() {
  const { t } = useTranslation("hotline");
  return <h1>{t("title")}</h1>;
}
