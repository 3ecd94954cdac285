// Taking a call: the form that opens a help request, once however often it is sent (a double
// click, a retry after a time-out): useSubmission keeps its key until the request is stored.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useMutation } from "urql";
import { Select, TextField } from "../../ui/inputs";
import { FormPanel, SubmitBar } from "../../ui/panels";
import { NEEDS, useFormValues, useSubmission } from "../../ui/workspace";
import { HouseholdPicker } from "../HouseholdPicker";
import { URGENCIES } from "../../ui/workspace";
import { CHANNELS, type Need, type Urgency } from "./model";

const OPEN = `mutation OpenHelpRequest($input: OpenHelpRequestInput!) {
  openHelpRequest(input: $input) { id need urgency }
}`;

const BLANK = { channel: "HOTLINE", need: "FOOD", urgency: "NORMAL", contactPhone: "", description: "", beneficiaryId: "" };

type Opened = { openHelpRequest: { id: string; need: Need; urgency: Urgency } };

const FIELDS = ["channel", "need", "urgency", "contactPhone", "description", "beneficiaryId"] as const;

/** `onOpened`: a request was stored (this one, or an earlier submission answered too late): the queue shows it. */
export function Intake({ region, onOpened }: { region: string; onOpened: () => void }) {
  const { t } = useTranslation("hotline");
  const { values, set, reset } = useFormValues(BLANK);
  // Counts the calls taken: a new call starts a new household search.
  const [calls, setCalls] = useState(0);
  const [, open] = useMutation<Opened>(OPEN);
  const action = useSubmission<Opened>(FIELDS, onOpened);
  const opened = action.done?.openHelpRequest;

  async function submit() {
    const input = {
      ...values,
      region,
      contactPhone: values.contactPhone || null,
      description: values.description || null,
      beneficiaryId: values.beneficiaryId || null,
    };
    if (!(await action.run((idempotencyKey) => open({ input: { ...input, idempotencyKey } })))) return;
    reset();
    setCalls((n) => n + 1);
    onOpened();
  }

  return (
    <FormPanel title={t("intakeTitle")} onSubmit={submit}>
      <div className="row">
        <Select
          label={t("channel")}
          value={values.channel}
          values={CHANNELS}
          labelOf={(c) => t(`Channel.${c}`)}
          onChange={set("channel")}
          error={action.fieldErrors.channel}
        />
        <Select
          label={t("need")}
          value={values.need}
          values={NEEDS}
          labelOf={(n) => t(`common:Need.${n}`)}
          onChange={set("need")}
          error={action.fieldErrors.need}
        />
        <Select
          label={t("urgency")}
          value={values.urgency}
          values={URGENCIES}
          labelOf={(u) => t(`common:Urgency.${u}`)}
          onChange={set("urgency")}
          error={action.fieldErrors.urgency}
        />
      </div>
      <div className="row">
        <TextField
          label={t("phone")}
          type="tel"
          value={values.contactPhone}
          onChange={set("contactPhone")}
          help={t("phoneHelp")}
          error={action.fieldErrors.contactPhone}
        />
      </div>
      <TextField
        label={t("description")}
        value={values.description}
        onChange={set("description")}
        multiline
        error={action.fieldErrors.description}
      />
      <fieldset>
        <legend>{t("household")}</legend>
        <HouseholdPicker
          key={calls}
          region={region}
          value={values.beneficiaryId}
          onChange={set("beneficiaryId")}
          noneLabel={t("unknownCaller")}
          error={action.fieldErrors.beneficiaryId}
        />
      </fieldset>
      <SubmitBar
        label={t("openSubmit")}
        busy={action.busy}
        errors={action.formErrors}
        done={opened ? t("opened", { need: t(`common:Need.${opened.need}`), urgency: t(`common:Urgency.${opened.urgency}`) }) : null}
      />
    </FormPanel>
  );
}
