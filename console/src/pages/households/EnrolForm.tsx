// Enrolment: nothing is stored without the household's consent, so consent and its purpose are
// asked for in their own part of the form, and the graph's refusal is shown beside them.
import { useTranslation } from "react-i18next";
import { useMutation } from "urql";
import { TextField } from "../../ui/inputs";
import { FormPanel, SubmitBar } from "../../ui/panels";
import { NEEDS, typedNumber, useFormValues, useSubmission } from "../../ui/workspace";
import { CheckField, CheckGroup } from "./CheckGroup";
import { VULNERABILITIES } from "./types";

const ENROL = `
  mutation ConsoleEnrol($input: EnrollBeneficiaryInput!) {
    enrollBeneficiary(input: $input) { id fullName possibleDuplicateRegions duplicateCheckMissing }
  }
`;

interface Enrolled {
  enrollBeneficiary: { id: string; fullName: string; possibleDuplicateRegions: string[]; duplicateCheckMissing: string[] };
}

const FIELDS = [
  "fullName",
  "householdSize",
  "nationalId",
  "phone",
  "address",
  "vulnerabilities",
  "needs",
  "consent.given",
  "consent.purpose",
] as const;

const EMPTY = {
  fullName: "",
  householdSize: "",
  nationalId: "",
  phone: "",
  address: "",
  vulnerabilities: [] as string[],
  needs: [] as string[],
  consentGiven: false,
  purpose: "",
};

interface EnrolProps {
  region: string;
  onEnrolled: (id: string) => void;
  /** An earlier submission turned out stored: the list is read again to show it. */
  onRecorded: () => void;
}

export function EnrolForm({ region, onEnrolled, onRecorded }: EnrolProps) {
  const { t } = useTranslation("households");
  const { values, set, reset } = useFormValues(EMPTY);
  const [, enrol] = useMutation<Enrolled>(ENROL);
  const action = useSubmission<Enrolled>(FIELDS, onRecorded);
  const error = (field: (typeof FIELDS)[number]) => action.fieldErrors[field];
  const done = action.done?.enrollBeneficiary;

  async function submit() {
    const input = {
      region,
      fullName: values.fullName,
      householdSize: typedNumber(values.householdSize),
      nationalId: values.nationalId.trim(),
      phone: values.phone.trim() || null,
      address: values.address.trim() || null,
      vulnerabilities: values.vulnerabilities,
      needs: values.needs,
      consent: { given: values.consentGiven, purpose: values.purpose },
    };
    const data = await action.run((idempotencyKey) => enrol({ input: { ...input, idempotencyKey } }));
    if (!data) return;
    // The national ID leaves the page with the form: it is never shown again.
    reset();
    onEnrolled(data.enrollBeneficiary.id);
  }

  return (
    <FormPanel title={t("enrol.title")} onSubmit={submit}>
      <div className="row ws-fields">
        <TextField label={t("field.fullName")} value={values.fullName} onChange={set("fullName")} error={error("fullName")} />
        <TextField
          label={t("field.householdSize")}
          type="number"
          min={1}
          max={50}
          value={values.householdSize}
          onChange={set("householdSize")}
          error={error("householdSize")}
        />
      </div>
      <div className="row ws-fields">
        <TextField
          label={t("field.nationalId")}
          help={t("field.nationalIdHelp")}
          inputMode="numeric"
          maxLength={12}
          spellCheck={false}
          value={values.nationalId}
          onChange={set("nationalId")}
          error={error("nationalId")}
        />
        <TextField
          label={t("field.phone")}
          help={t("field.phoneHelp")}
          type="tel"
          value={values.phone}
          onChange={set("phone")}
          error={error("phone")}
        />
        <TextField label={t("field.address")} value={values.address} onChange={set("address")} error={error("address")} />
      </div>
      <CheckGroup
        legend={t("field.vulnerabilities")}
        options={VULNERABILITIES}
        labelOf={(v) => t(`Vulnerability.${v}`)}
        value={values.vulnerabilities}
        onChange={set("vulnerabilities")}
        error={error("vulnerabilities")}
      />
      <CheckGroup
        legend={t("field.needs")}
        options={NEEDS}
        labelOf={(n) => t(`common:Need.${n}`)}
        value={values.needs}
        onChange={set("needs")}
        error={error("needs")}
      />
      <fieldset>
        <legend>{t("consent.legend")}</legend>
        <p className="help">{t("consent.explain")}</p>
        <CheckField
          label={t("consent.given")}
          checked={values.consentGiven}
          onChange={set("consentGiven")}
          error={error("consent.given")}
        />
        <TextField
          label={t("consent.purpose")}
          help={t("consent.purposeHelp")}
          value={values.purpose}
          onChange={set("purpose")}
          error={error("consent.purpose")}
        />
      </fieldset>
      <SubmitBar
        label={t("enrol.submit")}
        busy={action.busy}
        errors={action.formErrors}
        done={done ? <EnrolledNote enrolled={done} /> : null}
      />
    </FormPanel>
  );
}

function EnrolledNote({ enrolled }: { enrolled: Enrolled["enrollBeneficiary"] }) {
  const { t } = useTranslation("households");
  return (
    <>
      <p>{t("enrol.done", { name: enrolled.fullName })}</p>
      {enrolled.possibleDuplicateRegions.length > 0 && (
        <p>{t("enrol.duplicates", { regions: enrolled.possibleDuplicateRegions.join(", ") })}</p>
      )}
      {enrolled.duplicateCheckMissing.length > 0 && <p>{t("enrol.unchecked", { regions: enrolled.duplicateCheckMissing.join(", ") })}</p>}
    </>
  );
}
