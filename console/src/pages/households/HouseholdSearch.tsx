// Finding households: the graph filters by need, vulnerability and status, and searches by part
// of the name or phone (newest first, a page at a time).
import { useTranslation } from "react-i18next";
import { Select } from "../../ui/inputs";
import { TableHead } from "../../ui/panels";
import { date, NEEDS } from "../../ui/workspace";
import { SearchBox, type SearchState } from "../HouseholdPicker";
import { STATUSES, VULNERABILITIES, type HouseholdRow } from "./types";

export interface SearchFilters {
  need: string;
  vulnerability: string;
  status: string;
  /** The name or phone as typed. */
  search: string;
}

export const NO_FILTERS: SearchFilters = { need: "", vulnerability: "", status: "ACTIVE", search: "" };

/** The graph's BeneficiaryFilter for the filters chosen (an empty choice is no filter) and the search term asked. */
export const graphFilter = (f: SearchFilters, term: string | null) => ({
  need: f.need || undefined,
  vulnerability: f.vulnerability || undefined,
  status: f.status || undefined,
  search: term ?? undefined,
});

interface FiltersProps {
  filters: SearchFilters;
  onChange: (filters: SearchFilters) => void;
  search: SearchState;
}

export function SearchForm({ filters, onChange, search }: FiltersProps) {
  const { t } = useTranslation("households");
  const set = (field: keyof SearchFilters) => (value: string) => onChange({ ...filters, [field]: value });
  return (
    <form className="row ws-fields" role="search" aria-label={t("search.title")} onSubmit={(e) => e.preventDefault()}>
      <SearchBox label={t("search.name")} text={filters.search} onChange={set("search")} state={search} />
      <Select
        label={t("field.need")}
        value={filters.need}
        values={NEEDS}
        labelOf={(n) => t(`common:Need.${n}`)}
        onChange={set("need")}
        empty={t("search.any")}
      />
      <Select
        label={t("field.vulnerability")}
        value={filters.vulnerability}
        values={VULNERABILITIES}
        labelOf={(v) => t(`Vulnerability.${v}`)}
        onChange={set("vulnerability")}
        empty={t("search.any")}
      />
      <Select
        label={t("field.status")}
        value={filters.status}
        values={STATUSES}
        labelOf={(s) => t(`Status.${s}`)}
        onChange={set("status")}
        empty={t("search.any")}
      />
    </form>
  );
}

interface ResultsProps {
  rows: HouseholdRow[];
  total: number;
  onOpen: (id: string) => void;
}

export function SearchResults({ rows, total, onOpen }: ResultsProps) {
  const { t, i18n } = useTranslation("households");
  return (
    <>
      <p className="muted" role="status">
        {t("search.count", { shown: rows.length, total })}
      </p>
      <table>
        <caption className="visually-hidden">{t("search.results")}</caption>
        <TableHead
          columns={[
            t("field.fullName"),
            { num: t("field.householdSize") },
            t("field.address"),
            t("field.needs"),
            t("field.vulnerabilities"),
            t("field.status"),
            t("field.registered"),
          ]}
        />
        <tbody>
          {rows.map((row) => (
            <tr key={row.id}>
              <th scope="row">
                <button type="button" className="ws-link" onClick={() => onOpen(row.id)}>
                  {row.fullName ?? t("erased")}
                </button>
              </th>
              <td className="num">{row.householdSize}</td>
              <td>{row.address}</td>
              <td>{row.needs.map((n) => t(`common:Need.${n}`)).join(", ")}</td>
              <td>{row.vulnerabilities.map((v) => t(`Vulnerability.${v}`)).join(", ")}</td>
              <td>{t(`Status.${row.status}`)}</td>
              <td>{date(row.registeredAt, i18n.language)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
