// Placeholder until the page is written.
import { useTranslation } from "react-i18next";

export function Events() {
  const { t } = useTranslation("events");
  return <h1>{t("title")}</h1>;
}
