// Placeholder until the page is written.
import { useTranslation } from "react-i18next";

export function Stock() {
  const { t } = useTranslation("stock");
  return <h1>{t("title")}</h1>;
}
