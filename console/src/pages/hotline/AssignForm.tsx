// Assigning a request: the region's ACTIVE volunteers with the skill its need calls for (and a
// language, when chosen), as the graph filters them. The caller's language is asked, not
// preset: a help request does not record it (that needs a field in the graph).
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery } from "urql";
import { graphErrors } from "../../graph";
import { QueryErrors } from "../../ui/banners";
import { Field, useAction } from "../../ui/forms";
import { SubmitBar, submitted } from "../../ui/panels";
import { Select } from "../../ui/inputs";
import { SKILL_FOR_NEED, SKILLS, VOLUNTEER_LANGUAGES, type HelpRequest, type Skill } from "./model";

const AVAILABLE = `query AvailableVolunteers($code: String!, $filter: VolunteerFilter!) {
  region(code: $code) { code volunteers(first: 50, filter: $filter) { totalCount nodes { id fullName skills languages } } }
}`;
const ASSIGN = `mutation AssignHelpRequest($id: ID!, $volunteerId: ID!) {
  assignHelpRequest(id: $id, volunteerId: $volunteerId) { id status }
}`;

interface Candidate {
  id: string;
  fullName: string;
  skills: Skill[];
  languages: string[];
}

type Available = { region: { volunteers: { totalCount: number; nodes: Candidate[] } | null } | null };

interface AssignProps {
  request: HelpRequest;
  /** The staff member's region, whose volunteers are offered. */
  region: string;
  onDone: () => void;
}

export function AssignForm({ request, region, onDone }: AssignProps) {
  const { t } = useTranslation("hotline");
  const [skill, setSkill] = useState<Skill | "">(SKILL_FOR_NEED[request.need]);
  const [language, setLanguage] = useState("");
  const [chosen, setChosen] = useState(request.assignedVolunteer?.id ?? "");
  const filter = { status: "ACTIVE", ...(skill && { skill }), ...(language && { language }) };
  const [result] = useQuery<Available>({ query: AVAILABLE, variables: { code: region, filter } });
  const candidates = result.data?.region?.volunteers?.nodes ?? [];
  // The first match stands chosen until staff pick another (or the filter drops the one picked).
  const volunteerId = candidates.some((v) => v.id === chosen) ? chosen : (candidates[0]?.id ?? "");
  const [, assign] = useMutation(ASSIGN);
  const action = useAction(["volunteerId"]);

  const describe = (v: Candidate) =>
    `${v.fullName} — ${v.skills.map((s) => t(`common:Skill.${s}`)).join(", ")}; ${v.languages.map((l) => t(`lang.${l}`, { defaultValue: l })).join(", ")}`;
  const submit = submitted(() => action.run(() => assign({ id: request.id, volunteerId })), onDone);

  return (
    <form onSubmit={submit} aria-label={t("action.assign")}>
      <div className="row">
        <Select
          label={t("skill")}
          value={skill}
          values={SKILLS}
          labelOf={(s) => t(`common:Skill.${s}`)}
          onChange={setSkill}
          empty={t("anySkill")}
        />
        <Select
          label={t("language")}
          value={language}
          values={VOLUNTEER_LANGUAGES}
          labelOf={(l) => t(`lang.${l}`)}
          onChange={setLanguage}
          empty={t("anyLanguage")}
          help={t("languageHelp")}
        />
      </div>
      <QueryErrors errors={graphErrors(result.error)} />
      <Field
        label={t("volunteer")}
        error={action.fieldErrors.volunteerId}
        help={result.fetching ? t("common:loading") : t("availableCount", { count: result.data?.region?.volunteers?.totalCount ?? 0 })}
      >
        {(props) => (
          <select {...props} value={volunteerId} onChange={(e) => setChosen(e.target.value)} disabled={!candidates.length}>
            {!candidates.length && <option value="">{t("noneAvailable")}</option>}
            {candidates.map((v) => (
              <option key={v.id} value={v.id}>
                {describe(v)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <SubmitBar label={t("assignSubmit")} busy={action.busy || !volunteerId} errors={action.formErrors} />
    </form>
  );
}
