// Choosing an active volunteer of the region, searched by name in the graph as one types.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { Field } from "../../ui/forms";
import { FoundSelect } from "../../ui/inputs";
import { useDebounced } from "../../ui/workspace";

const VOLUNTEERS = `
  query ConsoleVolunteerChoices($region: String!, $search: String) {
    region(code: $region) {
      code
      volunteers(first: 50, filter: { status: ACTIVE, search: $search }) { totalCount nodes { id fullName skills } }
    }
  }
`;

interface Choice {
  id: string;
  fullName: string;
  skills: string[];
}

interface PickerProps {
  region: string;
  value: string;
  onChange: (id: string) => void;
  /** The label of the choice itself (who signs up, who delivered). */
  label: string;
  /** What choosing no one means; without it someone must be chosen. */
  noneLabel?: string;
  error?: string;
}

export function VolunteerPicker({ region, value, onChange, label, noneLabel, error }: PickerProps) {
  const { t } = useTranslation("events");
  const [search, setSearch] = useState("");
  const settled = useDebounced(search.trim());
  const [result] = useQuery<{ region: { volunteers: { totalCount: number; nodes: Choice[] } | null } | null }>({
    query: VOLUNTEERS,
    variables: { region, search: settled || null },
  });
  const found = result.data?.region?.volunteers;
  const skills = (c: Choice) => c.skills.map((s) => t(`common:Skill.${s}`)).join(", ");
  return (
    <>
      <Field
        label={t("volunteer.search")}
        help={t("volunteer.searchHelp", { listed: found?.nodes.length ?? 0, total: found?.totalCount ?? 0 })}
      >
        {(p) => <input {...p} type="search" value={search} onChange={(e) => setSearch(e.target.value)} autoComplete="off" />}
      </Field>
      <FoundSelect
        label={label}
        value={value}
        onChange={onChange}
        none={noneLabel ?? t("volunteer.choose")}
        found={found?.nodes ?? []}
        describe={(c) => (skills(c) ? `${c.fullName} · ${skills(c)}` : c.fullName)}
        error={error}
      />
    </>
  );
}
