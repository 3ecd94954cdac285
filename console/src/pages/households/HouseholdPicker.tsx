// Choosing the household aid goes to: the region's active households (those with consent),
// narrowed by name as one types. The graph has no search by name, so its newest 100 are asked for.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { Field } from "../../ui/forms";

const CHOICES = `
  query ConsoleHouseholdChoices($region: String!) {
    region(code: $region) {
      code
      beneficiaries(first: 100, filter: { status: ACTIVE }) { totalCount nodes { id fullName householdSize address } }
    }
  }
`;

interface Choice {
  id: string;
  fullName: string | null;
  householdSize: number;
  address: string | null;
}

interface PickerProps {
  region: string;
  value: string;
  onChange: (id: string) => void;
  error?: string;
}

export function HouseholdPicker({ region, value, onChange, error }: PickerProps) {
  const { t } = useTranslation("households");
  const [search, setSearch] = useState("");
  const [result] = useQuery<{ region: { beneficiaries: { totalCount: number; nodes: Choice[] } | null } | null }>({
    query: CHOICES,
    variables: { region },
  });
  const all = result.data?.region?.beneficiaries?.nodes ?? [];
  const wanted = search.trim().toLocaleLowerCase();
  // The chosen one stays listed whatever is typed next.
  const shown = all.filter((c) => c.id === value || (c.fullName ?? "").toLocaleLowerCase().includes(wanted));
  const label = (c: Choice) =>
    [c.fullName ?? t("erased"), t("pick.size", { size: c.householdSize }), c.address].filter(Boolean).join(" · ");
  return (
    <>
      <Field
        label={t("pick.search")}
        help={t("pick.searchHelp", { listed: all.length, total: result.data?.region?.beneficiaries?.totalCount ?? 0 })}
      >
        {(p) => <input {...p} type="search" value={search} onChange={(e) => setSearch(e.target.value)} autoComplete="off" />}
      </Field>
      <Field label={t("pick.household")} error={error}>
        {(p) => (
          <select {...p} value={value} onChange={(e) => onChange(e.target.value)}>
            <option value="">{t("pick.choose", { found: shown.length })}</option>
            {shown.map((c) => (
              <option key={c.id} value={c.id}>
                {label(c)}
              </option>
            ))}
          </select>
        )}
      </Field>
    </>
  );
}
