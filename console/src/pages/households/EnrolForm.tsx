// Enrolment: nothing is stored without the household's consent, so consent and its purpose are
// asked for in their own part of the form, and the graph's refusal is shown beside them.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useMutation } from "urql";
import { ActionError, Field, useAction } from "../../ui/forms";
import { CheckField, CheckGroup } from "./CheckGroup";
import { VULNERABILITIES } from "./types";
import { NEEDS, useFormValues, useIdempotencyKey, wholeNumber } from "./workspace";

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

export function EnrolForm({ region, onEnrolled }: { region: string; onEnrolled: (id: string) => void }) {
  const { t } = useTranslation("households");
  const { values, set, reset } = useFormValues(EMPTY);
  const [, enrol] = useMutation<Enrolled>(ENROL);
  const action = useAction<Enrolled>(FIELDS);
  const keyed = useIdempotencyKey();
  const [done, setDone] = useState<Enrolled["enrollBeneficiary"] | null>(null);
  const error = (field: (typeof FIELDS)[number]) => action.fieldErrors[field];

  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    const input = {
      region,
      fullName: values.fullName,
      householdSize: wholeNumber(values.householdSize),
      nationalId: values.nationalId.trim(),
      phone: values.phone.trim() || null,
      address: values.address.trim() || null,
      vulnerabilities: values.vulnerabilities,
      needs: values.needs,
      consent: { given: values.consentGiven, purpose: values.purpose },
    };
    const data = await action.run(() => keyed((idempotencyKey) => enrol({ input: { ...input, idempotencyKey } })));
    if (!data?.enrollBeneficiary) return;
    // The national ID leaves the page with the form: it is never shown again.
    reset();
    setDone(data.enrollBeneficiary);
    onEnrolled(data.enrollBeneficiary.id);
  }

  return (
    <section className="panel" aria-labelledby="enrol-title">
      <h2 id="enrol-title">{t("enrol.title")}</h2>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="row ws-fields">
          <Field label={t("field.fullName")} error={error("fullName")}>
            {(p) => <input {...p} value={values.fullName} onChange={(e) => set("fullName")(e.target.value)} autoComplete="off" />}
          </Field>
          <Field label={t("field.householdSize")} error={error("householdSize")}>
            {(p) => (
              <input
                {...p}
                type="number"
                min={1}
                max={50}
                value={values.householdSize}
                onChange={(e) => set("householdSize")(e.target.value)}
              />
            )}
          </Field>
        </div>
        <div className="row ws-fields">
          <Field label={t("field.nationalId")} help={t("field.nationalIdHelp")} error={error("nationalId")}>
            {(p) => (
              <input
                {...p}
                inputMode="numeric"
                maxLength={12}
                autoComplete="off"
                spellCheck={false}
                value={values.nationalId}
                onChange={(e) => set("nationalId")(e.target.value)}
              />
            )}
          </Field>
          <Field label={t("field.phone")} help={t("field.phoneHelp")} error={error("phone")}>
            {(p) => <input {...p} type="tel" autoComplete="off" value={values.phone} onChange={(e) => set("phone")(e.target.value)} />}
          </Field>
          <Field label={t("field.address")} error={error("address")}>
            {(p) => <input {...p} autoComplete="off" value={values.address} onChange={(e) => set("address")(e.target.value)} />}
          </Field>
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
          <Field label={t("consent.purpose")} help={t("consent.purposeHelp")} error={error("consent.purpose")}>
            {(p) => <input {...p} value={values.purpose} onChange={(e) => set("purpose")(e.target.value)} />}
          </Field>
        </fieldset>
        <div className="toolbar">
          <button type="submit" className="primary" disabled={action.busy}>
            {t("enrol.submit")}
          </button>
        </div>
        <ActionError errors={action.formErrors} />
        {done && <EnrolledNote enrolled={done} />}
      </form>
    </section>
  );
}

function EnrolledNote({ enrolled }: { enrolled: Enrolled["enrollBeneficiary"] }) {
  const { t } = useTranslation("households");
  return (
    <div className="banner banner-ok" role="status">
      <p>{t("enrol.done", { name: enrolled.fullName })}</p>
      {enrolled.possibleDuplicateRegions.length > 0 && (
        <p>{t("enrol.duplicates", { regions: enrolled.possibleDuplicateRegions.join(", ") })}</p>
      )}
      {enrolled.duplicateCheckMissing.length > 0 && <p>{t("enrol.unchecked", { regions: enrolled.duplicateCheckMissing.join(", ") })}</p>}
    </div>
  );
}
