// Taking a call: the form that opens a help request. One idempotency key per request being
// written, so a double click or a retry after a time-out opens it once.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useMutation } from "urql";
import { ActionError, useAction } from "../../ui/forms";
import { HouseholdPicker } from "../HouseholdPicker";
import { EnumSelect, TextField } from "./fields";
import { CHANNELS, NEEDS, URGENCIES, type Channel, type Need, type Urgency } from "./model";

const OPEN = `mutation OpenHelpRequest($input: OpenHelpRequestInput!) {
  openHelpRequest(input: $input) { id need urgency }
}`;

/** A fresh key (getRandomValues works where randomUUID does not: plain http off localhost). */
function newKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

interface Draft {
  channel: Channel;
  need: Need;
  urgency: Urgency;
  contactPhone: string;
  description: string;
  beneficiaryId: string;
  key: string;
}

const blank = (): Draft => ({
  channel: "HOTLINE",
  need: "FOOD",
  urgency: "NORMAL",
  contactPhone: "",
  description: "",
  beneficiaryId: "",
  key: newKey(),
});

type Opened = { openHelpRequest: { id: string; need: Need; urgency: Urgency } | null };

const FIELDS = ["channel", "need", "urgency", "contactPhone", "description", "beneficiaryId"] as const;

export function Intake({ region, onOpened }: { region: string; onOpened: () => void }) {
  const { t } = useTranslation("hotline");
  const [draft, setDraft] = useState<Draft>(blank);
  const [opened, setOpened] = useState<{ need: Need; urgency: Urgency } | null>(null);
  const [, open] = useMutation<Opened>(OPEN);
  const action = useAction<Opened>(FIELDS);
  const set =
    <K extends keyof Draft>(field: K) =>
    (value: Draft[K]) =>
      setDraft((d) => ({ ...d, [field]: value }));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setOpened(null);
    const { key, ...fields } = draft;
    const input = {
      ...fields,
      idempotencyKey: key,
      region,
      contactPhone: fields.contactPhone || null,
      description: fields.description || null,
      beneficiaryId: fields.beneficiaryId || null,
    };
    const data = await action.run(() => open({ input }));
    if (!data?.openHelpRequest) return;
    setOpened(data.openHelpRequest);
    setDraft(blank());
    onOpened();
  }

  return (
    <section className="panel" aria-labelledby="intake-title">
      <h2 id="intake-title">{t("intakeTitle")}</h2>
      <form onSubmit={(e) => void submit(e)}>
        <div className="row">
          <EnumSelect
            label={t("channel")}
            value={draft.channel}
            values={CHANNELS}
            labelOf={(c) => t(`Channel.${c}`)}
            onChange={(v) => set("channel")(v as Channel)}
            error={action.fieldErrors.channel}
          />
          <EnumSelect
            label={t("need")}
            value={draft.need}
            values={NEEDS}
            labelOf={(n) => t(`common:Need.${n}`)}
            onChange={(v) => set("need")(v as Need)}
            error={action.fieldErrors.need}
          />
          <EnumSelect
            label={t("urgency")}
            value={draft.urgency}
            values={URGENCIES}
            labelOf={(u) => t(`common:Urgency.${u}`)}
            onChange={(v) => set("urgency")(v as Urgency)}
            error={action.fieldErrors.urgency}
          />
        </div>
        <div className="row">
          <TextField
            label={t("phone")}
            type="tel"
            value={draft.contactPhone}
            onChange={set("contactPhone")}
            help={t("phoneHelp")}
            error={action.fieldErrors.contactPhone}
          />
        </div>
        <TextField
          label={t("description")}
          value={draft.description}
          onChange={set("description")}
          multiline
          error={action.fieldErrors.description}
        />
        <fieldset>
          <legend>{t("household")}</legend>
          {/* A new call starts a new search (the key is the draft's). */}
          <HouseholdPicker
            key={draft.key}
            region={region}
            value={draft.beneficiaryId}
            onChange={set("beneficiaryId")}
            noneLabel={t("unknownCaller")}
            error={action.fieldErrors.beneficiaryId}
          />
        </fieldset>
        <button type="submit" className="primary" disabled={action.busy}>
          {t("openSubmit")}
        </button>
        <ActionError errors={action.formErrors} />
        <p role="status" className="opened">
          {opened && t("opened", { need: t(`common:Need.${opened.need}`), urgency: t(`common:Urgency.${opened.urgency}`) })}
        </p>
      </form>
    </section>
  );
}
