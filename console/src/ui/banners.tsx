// What the page says about the graph's answer as a whole: regions that did not answer (the
// rest of the page works), and errors that belong to no form.
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { unavailableRegions, type GraphError } from "../graph";
import { graphLanguage } from "../i18n";

// The gateway answers region names itself, so they are there even when a region is not.
const NAMES = `query RegionNames($lang: Language!) { regions { code name(lang: $lang) } }`;

/**
 * Regions that did not answer, by name. `own`: the page is about the person's own region
 * (staff, volunteers): what it holds cannot be read now, but what they submit may be stored.
 */
export function RegionBanner({ errors, own = false }: { errors: GraphError[]; own?: boolean }) {
  const { t, i18n } = useTranslation();
  const regions = unavailableRegions(errors);
  const [names] = useQuery<{ regions: Array<{ code: string; name: string }> }>({
    query: NAMES,
    variables: { lang: graphLanguage(i18n.language) },
    pause: !regions.length,
  });
  if (!regions.length) return null;
  const named = new Map(names.data?.regions.map((r) => [r.code, r.name]));
  const shown = regions.map((code) => (named.has(code) ? `${named.get(code)} (${code})` : code)).join(", ");
  const message = own ? "ownRegionUnavailable" : regions.length === 1 ? "regionUnavailable" : "regionsUnavailable";
  return (
    <div className="banner banner-warning" role="status" data-testid="region-unavailable">
      {t(message, { regions: shown })}
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
