// Finding households: the graph filters by need, vulnerability and status (newest first, a page
// at a time); the name box narrows the page shown, as the graph has no search by name.
import { useTranslation } from "react-i18next";
import { Field } from "../../ui/forms";
import { STATUSES, VULNERABILITIES, type HouseholdRow } from "./types";
import { date, NEEDS } from "./workspace";

export interface SearchFilters {
  need: string;
  vulnerability: string;
  status: string;
  name: string;
}

export const NO_FILTERS: SearchFilters = { need: "", vulnerability: "", status: "ACTIVE", name: "" };

/** The graph's BeneficiaryFilter for the filters chosen (an empty choice is no filter). */
export const graphFilter = (f: SearchFilters) => ({
  need: f.need || undefined,
  vulnerability: f.vulnerability || undefined,
  status: f.status || undefined,
});

const nameMatches = (row: HouseholdRow, name: string) =>
  !name.trim() || (row.fullName ?? "").toLocaleLowerCase().includes(name.trim().toLocaleLowerCase());

interface FiltersProps {
  filters: SearchFilters;
  onChange: (filters: SearchFilters) => void;
}

export function SearchForm({ filters, onChange }: FiltersProps) {
  const { t } = useTranslation("households");
  const set = (field: keyof SearchFilters) => (value: string) => onChange({ ...filters, [field]: value });
  return (
    <form className="row ws-fields" role="search" aria-label={t("search.title")} onSubmit={(e) => e.preventDefault()}>
      <Field label={t("search.name")} help={t("search.nameHelp")}>
        {(p) => <input {...p} type="search" value={filters.name} onChange={(e) => set("name")(e.target.value)} />}
      </Field>
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
  name: string;
  total: number;
  onOpen: (id: string) => void;
}

export function SearchResults({ rows, name, total, onOpen }: ResultsProps) {
  const { t, i18n } = useTranslation("households");
  const shown = rows.filter((r) => nameMatches(r, name));
  return (
    <>
      <p className="muted" role="status">
        {t("search.count", { shown: shown.length, total })}
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
          {shown.map((row) => (
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
