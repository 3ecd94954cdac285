// Finding households: the graph filters by need, vulnerability and status, and searches by part
// of the name or phone (newest first, a page at a time).
import { useTranslation } from "react-i18next";
import { Field } from "../../ui/forms";
import { SearchBox, type SearchState } from "../HouseholdPicker";
import { STATUSES, VULNERABILITIES, type HouseholdRow } from "./types";
import { date, NEEDS } from "./workspace";

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
      <Field label={t("field.need")}>
        {(p) => (
          <select {...p} value={filters.need} onChange={(e) => set("need")(e.target.value)}>
            <option value="">{t("search.any")}</option>
            {NEEDS.map((n) => (
              <option key={n} value={n}>
                {t(`common:Need.${n}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t("field.vulnerability")}>
        {(p) => (
          <select {...p} value={filters.vulnerability} onChange={(e) => set("vulnerability")(e.target.value)}>
            <option value="">{t("search.any")}</option>
            {VULNERABILITIES.map((v) => (
              <option key={v} value={v}>
                {t(`Vulnerability.${v}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t("field.status")}>
        {(p) => (
          <select {...p} value={filters.status} onChange={(e) => set("status")(e.target.value)}>
            <option value="">{t("search.any")}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`Status.${s}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
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
        <thead>
          <tr>
            <th scope="col">{t("field.fullName")}</th>
            <th scope="col" className="num">
              {t("field.householdSize")}
            </th>
            <th scope="col">{t("field.address")}</th>
            <th scope="col">{t("field.needs")}</th>
            <th scope="col">{t("field.vulnerabilities")}</th>
            <th scope="col">{t("field.status")}</th>
            <th scope="col">{t("field.registered")}</th>
          </tr>
        </thead>
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
