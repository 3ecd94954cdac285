// Placeholder until the page is written.
import { useTranslation } from "react-i18next";

export function Households() {
  const { t } = useTranslation("households");
  return <h1>{t("title")}</h1>;
}
