// Placeholder until the page is written.
import { useTranslation } from "react-i18next";

export function Overview() {
  const { t } = useTranslation("overview");
  return <h1>{t("title")}</h1>;
}
