// A new event of the region: what, when (the reader's local time), where, and how many
// volunteers it takes.
import { useTranslation } from "react-i18next";
import { useMutation } from "urql";
import { Select, TextField } from "../../ui/inputs";
import { FormPanel, SubmitBar } from "../../ui/panels";
import { typedNumber, useFormValues, useSubmission } from "../../ui/workspace";
import { KINDS } from "./types";

const CREATE = `
  mutation ConsoleCreateEvent($input: CreateEventInput!) {
    createEvent(input: $input) { id title }
  }
`;

interface Created {
  createEvent: { id: string; title: string };
}

const FIELDS = ["title", "kind", "description", "startsAt", "endsAt", "location", "onlineUrl", "capacity"] as const;

const EMPTY = { title: "", kind: "TRAINING", description: "", startsAt: "", endsAt: "", location: "", onlineUrl: "", capacity: "" };

/** A datetime-local value (the reader's time zone) as the graph's instant, or null. */
function instant(local: string): string | null {
  const at = new Date(local);
  return local && !Number.isNaN(at.getTime()) ? at.toISOString() : null;
}

interface CreateProps {
  region: string;
  onCreated: (id: string) => void;
  /** An earlier submission turned out stored: the list is read again to show it. */
  onRecorded: () => void;
}

export function CreateEventForm({ region, onCreated, onRecorded }: CreateProps) {
  const { t } = useTranslation("events");
  const { values, set, reset } = useFormValues(EMPTY);
  const [, create] = useMutation<Created>(CREATE);
  const action = useSubmission<Created>(FIELDS, onRecorded);
  const done = action.done?.createEvent;
  /** The props of a field of the form: its label, value, setter and error. */
  const field = (name: (typeof FIELDS)[number]) => ({
    label: t(`field.${name}`),
    value: values[name],
    onChange: set(name),
    error: action.fieldErrors[name],
  });

  async function submit() {
    const input = {
      region,
      title: values.title,
      kind: values.kind,
      description: values.description.trim() || null,
      startsAt: instant(values.startsAt),
      endsAt: instant(values.endsAt),
      location: values.location.trim() || null,
      onlineUrl: values.onlineUrl.trim() || null,
      capacity: typedNumber(values.capacity),
    };
    const data = await action.run((idempotencyKey) => create({ input: { ...input, idempotencyKey } }));
    if (!data) return;
    reset();
    onCreated(data.createEvent.id);
  }

  return (
    <FormPanel title={t("create.title")} onSubmit={submit}>
      <div className="row ws-fields">
        <TextField {...field("title")} />
        <Select {...field("kind")} values={KINDS} labelOf={(k) => t(`Kind.${k}`)} />
      </div>
      <div className="row ws-fields">
        <TextField {...field("startsAt")} type="datetime-local" />
        <TextField {...field("endsAt")} type="datetime-local" />
        <TextField {...field("capacity")} type="number" min={1} />
      </div>
      <div className="row ws-fields">
        <TextField {...field("location")} help={t("field.locationHelp")} />
        <TextField {...field("onlineUrl")} help={t("field.onlineUrlHelp")} type="url" />
      </div>
      <TextField {...field("description")} multiline />
      <SubmitBar
        label={t("create.submit")}
        busy={action.busy}
        errors={action.formErrors}
        done={done ? t("create.done", { title: done.title }) : null}
      />
    </FormPanel>
  );
}
