// What the page says about the graph's answer as a whole: regions that did not answer (the
// rest of the page works), and errors that belong to no form.
import { useTranslation } from "react-i18next";
import { unavailableRegions, type GraphError } from "../graph";

export function RegionBanner({ errors, names }: { errors: GraphError[]; names?: Record<string, string> }) {
  const { t } = useTranslation();
  const regions = unavailableRegions(errors);
  if (!regions.length) return null;
  const shown = regions.map((code) => (names?.[code] ? `${names[code]} (${code})` : code)).join(", ");
  return (
    <div className="banner banner-warning" role="status" data-testid="region-unavailable">
      {t(regions.length === 1 ? "regionUnavailable" : "regionsUnavailable", { regions: shown })}
    </div>
  );
}

/** Errors of a query other than unavailable regions. */
export function QueryErrors({ errors }: { errors: GraphError[] }) {
  const { t } = useTranslation();
  const rest = errors.filter((e) => e.code !== "REGION_UNAVAILABLE" && e.code !== "UNAUTHENTICATED");
  if (!rest.length) return null;
  return (
    <div className="banner banner-error" role="alert">
      <p>
        <strong>{t("errorTitle")}</strong>
      </p>
      {rest.map((e, i) => (
        <p key={i}>{e.code === "NETWORK" ? t("networkError") : e.message}</p>
      ))}
    </div>
  );
}
