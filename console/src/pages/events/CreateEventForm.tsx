// A new event of the region: what, when (the reader's local time), where, and how many
// volunteers it takes.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useMutation } from "urql";
import { ActionError, Field, useAction } from "../../ui/forms";
import { byLeadingField, useFormValues, useIdempotencyKey, wholeNumber } from "../households/workspace";
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

export function CreateEventForm({ region, onCreated }: { region: string; onCreated: (id: string) => void }) {
  const { t } = useTranslation("events");
  const { values, set, reset } = useFormValues(EMPTY);
  const [, create] = useMutation<Created>(CREATE);
  const action = useAction<Created>(FIELDS);
  const keyed = useIdempotencyKey();
  const [done, setDone] = useState<string | null>(null);
  const fieldErrors = byLeadingField(action.fieldErrors, FIELDS);
  const error = (field: (typeof FIELDS)[number]) => fieldErrors[field];
  const text = (field: keyof typeof EMPTY) => (p: object) => (
    <input {...p} value={values[field]} onChange={(e) => set(field)(e.target.value)} autoComplete="off" />
  );

  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    const input = {
      region,
      title: values.title,
      kind: values.kind,
      description: values.description.trim() || null,
      startsAt: instant(values.startsAt),
      endsAt: instant(values.endsAt),
      location: values.location.trim() || null,
      onlineUrl: values.onlineUrl.trim() || null,
      capacity: wholeNumber(values.capacity),
    };
    const data = await action.run(() => keyed((idempotencyKey) => create({ input: { ...input, idempotencyKey } })));
    if (!data?.createEvent) return;
    reset();
    setDone(data.createEvent.title);
    onCreated(data.createEvent.id);
  }

  return (
    <section className="panel" aria-labelledby="create-title">
      <h2 id="create-title">{t("create.title")}</h2>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="row ws-fields">
          <Field label={t("field.title")} error={error("title")}>
            {text("title")}
          </Field>
          <Field label={t("field.kind")} error={error("kind")}>
            {(p) => (
              <select {...p} value={values.kind} onChange={(e) => set("kind")(e.target.value)}>
                {KINDS.map((k) => (
                  <option key={k} value={k}>
                    {t(`Kind.${k}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <div className="row ws-fields">
          <Field label={t("field.startsAt")} error={error("startsAt")}>
            {(p) => <input {...p} type="datetime-local" value={values.startsAt} onChange={(e) => set("startsAt")(e.target.value)} />}
          </Field>
          <Field label={t("field.endsAt")} error={error("endsAt")}>
            {(p) => <input {...p} type="datetime-local" value={values.endsAt} onChange={(e) => set("endsAt")(e.target.value)} />}
          </Field>
          <Field label={t("field.capacity")} error={error("capacity")}>
            {(p) => <input {...p} type="number" min={1} value={values.capacity} onChange={(e) => set("capacity")(e.target.value)} />}
          </Field>
        </div>
        <div className="row ws-fields">
          <Field label={t("field.location")} help={t("field.locationHelp")} error={error("location")}>
            {text("location")}
          </Field>
          <Field label={t("field.onlineUrl")} help={t("field.onlineUrlHelp")} error={error("onlineUrl")}>
            {(p) => <input {...p} type="url" value={values.onlineUrl} onChange={(e) => set("onlineUrl")(e.target.value)} />}
          </Field>
        </div>
        <Field label={t("field.description")} error={error("description")}>
          {(p) => <textarea {...p} rows={2} value={values.description} onChange={(e) => set("description")(e.target.value)} />}
        </Field>
        <div className="toolbar">
          <button type="submit" className="primary" disabled={action.busy}>
            {t("create.submit")}
          </button>
        </div>
        <ActionError errors={action.formErrors} />
        {done && (
          <p className="banner banner-ok" role="status">
            {t("create.done", { title: done })}
          </p>
        )}
      </form>
    </section>
  );
}
