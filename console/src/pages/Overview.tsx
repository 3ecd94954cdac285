// The national overview: one row per region, aggregates only (nothing personal is asked for),
// a region that does not answer shown as unavailable while the others stay on the page.
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { graphErrors, unavailableRegions } from "../graph";
import { graphLanguage } from "../i18n";
import { QueryErrors, RegionBanner } from "../ui/banners";
import { StockChart } from "./overview/StockChart";
import { ITEMS, URGENCIES, type ItemQuantity } from "../ui/workspace";
import type { RegionRow } from "./overview/types";

const OVERVIEW = `
  query ConsoleOverview($lang: Language!) {
    regions {
      code
      name(lang: $lang)
      status { healthy }
      volunteerStats { total active }
      beneficiaryStats { beneficiaries openHelpRequests openRequestsByUrgency { urgency count } }
      stock { item quantity }
      stockInTransit { item quantity }
      warehouses(first: 20) { nodes { lowStock { item } } }
    }
  }
`;

/** The figures of a row, each a column. */
const FIGURES = ["active", "volunteers", "households", "open", ...URGENCIES, "lowStock", "inTransit"] as const;
type Figure = (typeof FIGURES)[number];
type Column = "name" | "status" | Figure;

interface Row {
  code: string;
  name: string;
  up: boolean;
  /** Missing when the region did not answer. */
  figures: Partial<Record<Figure, number>>;
}

const sum = (quantities: ItemQuantity[] | null | undefined): number | undefined => quantities?.reduce((n, q) => n + q.quantity, 0);

function rowOf(region: RegionRow, failed: ReadonlySet<string>): Row {
  const stats = region.beneficiaryStats;
  const byUrgency = Object.fromEntries((stats?.openRequestsByUrgency ?? []).map((u) => [u.urgency, u.count]));
  return {
    code: region.code,
    name: region.name,
    // Health is probed every few seconds; an error in this very answer is fresher.
    up: region.status.healthy && !failed.has(region.code),
    figures: {
      active: region.volunteerStats?.active,
      volunteers: region.volunteerStats?.total,
      households: stats?.beneficiaries,
      open: stats?.openHelpRequests,
      ...byUrgency,
      lowStock: region.warehouses ? new Set(region.warehouses.nodes.flatMap((w) => w.lowStock.map((l) => l.item))).size : undefined,
      inTransit: sum(region.stockInTransit),
    },
  };
}

const valueOf = (row: Row, column: Column): string | number | undefined =>
  column === "name" ? row.name : column === "status" ? Number(row.up) : row.figures[column];

const FIGURE_LABELS: Record<Figure, string> = {
  active: "active",
  volunteers: "volunteers",
  households: "households",
  open: "open",
  CRITICAL: "common:Urgency.CRITICAL",
  HIGH: "common:Urgency.HIGH",
  NORMAL: "common:Urgency.NORMAL",
  LOW: "common:Urgency.LOW",
  lowStock: "lowStock",
  inTransit: "inTransit",
};

export function Overview() {
  const { t, i18n } = useTranslation("overview");
  const [result, refetch] = useQuery<{ regions: RegionRow[] }>({ query: OVERVIEW, variables: { lang: graphLanguage(i18n.language) } });
  const [sort, setSort] = useState<{ column: Column; descending: boolean }>({ column: "name", descending: false });
  // Memoised on the answer, so the rows below are worked out again only when it changes.
  const errors = useMemo(() => graphErrors(result.error), [result.error]);
  const regions = result.data?.regions;
  const failed = useMemo(() => new Set(unavailableRegions(errors)), [errors]);
  const rows = useMemo(() => (regions ?? []).map((r) => rowOf(r, failed)), [regions, failed]);
  const sorted = useMemo(() => {
    const direction = sort.descending ? -1 : 1;
    return [...rows].sort((a, b) => {
      const x = valueOf(a, sort.column);
      const y = valueOf(b, sort.column);
      // Regions without a figure go last whichever way the column is sorted.
      if (x === undefined || y === undefined) return x === y ? 0 : x === undefined ? 1 : -1;
      return (typeof x === "string" ? x.localeCompare(y as string, i18n.language) : x - (y as number)) * direction;
    });
  }, [rows, sort, i18n.language]);

  const header = (column: Column, label: string, numeric = true) => {
    const active = sort.column === column;
    return (
      <th
        key={column}
        scope="col"
        className={numeric ? "num" : undefined}
        aria-sort={active ? (sort.descending ? "descending" : "ascending") : "none"}
      >
        <button
          type="button"
          className="sort"
          onClick={() => setSort({ column, descending: active ? !sort.descending : numeric })}
          title={t("sortBy", { column: label })}
        >
          {label}
          <span aria-hidden="true">{active ? (sort.descending ? " ▼" : " ▲") : ""}</span>
        </button>
      </th>
    );
  };
  const cell = (key: string, value: number | undefined) => (
    <td key={key} className="num">
      {value === undefined ? "—" : value.toLocaleString(i18n.language)}
    </td>
  );

  return (
    <>
      <div className="toolbar">
        <h1>{t("title")}</h1>
        <button type="button" onClick={() => refetch()} disabled={result.fetching}>
          {result.fetching ? t("common:loading") : t("common:refresh")}
        </button>
      </div>
      <p className="muted">{t("intro")}</p>
      <RegionBanner errors={errors} />
      <QueryErrors errors={errors} />
      {regions && (
        <>
          <div className="table-scroll">
            <table data-testid="overview">
              <caption className="visually-hidden">{t("caption")}</caption>
              <thead>
                <tr>
                  {header("name", t("region"), false)}
                  {header("status", t("status"), false)}
                  {FIGURES.map((f) => header(f, t(FIGURE_LABELS[f])))}
                </tr>
              </thead>
              <tbody>
                {sorted.map((row) => (
                  <tr key={row.code} data-region={row.code}>
                    <th scope="row">
                      {row.name} <span className="muted">{row.code}</span>
                    </th>
                    <td className={row.up ? "status-up" : "status-down"}>{row.up ? t("up") : t("unavailable")}</td>
                    {FIGURES.map((f) => cell(f, row.figures[f]))}
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">{t("common:total")}</th>
                  <td>{t("answered", { count: rows.filter((r) => r.up).length, total: rows.length })}</td>
                  {FIGURES.map((f) =>
                    cell(
                      f,
                      rows.reduce((n, r) => n + (r.figures[f] ?? 0), 0),
                    ),
                  )}
                </tr>
              </tfoot>
            </table>
          </div>
          <StockChart regions={regions} items={ITEMS} />
        </>
      )}
    </>
  );
}
