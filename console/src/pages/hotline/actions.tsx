// What can be done with a help request, by whom and from which status: each action a small
// form (or one button) whose graph error sits next to its field or its button.
import { useRef, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { useMutation } from "urql";
import { ActionError, useAction } from "../../ui/forms";
import { NEEDS, URGENCIES } from "../../ui/workspace";
import { Select, TextField } from "../../ui/inputs";
import { SubmitBar, submitted } from "../../ui/panels";
import type { HelpRequest, Need, Urgency } from "./model";
import { AssignForm } from "./AssignForm";

const TRIAGE = `mutation TriageHelpRequest($id: ID!, $note: String, $need: Need, $urgency: Urgency) {
  triageHelpRequest(id: $id, note: $note, need: $need, urgency: $urgency) { id status }
}`;
const START = `mutation StartHelpRequest($id: ID!) { startHelpRequest(id: $id) { id status } }`;
const FULFIL = `mutation FulfilHelpRequest($id: ID!, $note: String) { fulfilHelpRequest(id: $id, note: $note) { id status } }`;
const CANCEL = `mutation CancelHelpRequest($id: ID!, $reason: String!) { cancelHelpRequest(id: $id, reason: $reason) { id status } }`;

type Action = "triage" | "assign" | "fulfil" | "cancel";

interface ActionProps {
  request: HelpRequest;
  /** After a change the graph stored: re-read the request. */
  onDone: () => void;
}

/** Which actions a status allows: staff do everything; a volunteer starts and fulfils. */
function actionsFor(request: HelpRequest, staff: boolean): { forms: Action[]; start: boolean } {
  const s = request.status;
  const forms: Action[] = [];
  if (staff && s === "NEW") forms.push("triage");
  if (staff && (s === "NEW" || s === "TRIAGED" || s === "ASSIGNED")) forms.push("assign");
  if (s === "IN_PROGRESS") forms.push("fulfil");
  if (staff && s !== "FULFILLED" && s !== "CANCELLED") forms.push("cancel");
  return { forms, start: s === "ASSIGNED" };
}

/** The request's actions (a staff member's of `staffRegion`, else its volunteer's): buttons opening one form at a time. */
export function RequestActions({ request, onDone, staffRegion }: ActionProps & { staffRegion?: string }) {
  const { t } = useTranslation("hotline");
  const [open, setOpen] = useState<Action | null>(null);
  // The buttons that open each form: closing a form unchanged gives focus back to its opener.
  const openers = useRef(new Map<Action, HTMLButtonElement>());
  const staff = staffRegion !== undefined;
  const { forms, start } = actionsFor(request, staff);
  if (!forms.length && !start) return null;
  const done = () => {
    setOpen(null);
    onDone();
  };
  const close = () => {
    if (open) openers.current.get(open)?.focus();
    setOpen(null);
  };
  const form: Record<Action, () => ReactNode> = {
    triage: () => <TriageForm request={request} onDone={done} />,
    assign: () => <AssignForm request={request} region={staffRegion!} onDone={done} />,
    fulfil: () => <FulfilForm request={request} onDone={done} />,
    cancel: () => <CancelForm request={request} onDone={done} />,
  };
  return (
    <div className="request-actions">
      <div className="toolbar">
        {start && <StartButton request={request} onDone={done} />}
        {forms.map((a) => (
          <button
            key={a}
            ref={(b) => {
              if (b) openers.current.set(a, b);
              else openers.current.delete(a);
            }}
            type="button"
            aria-expanded={open === a}
            onClick={() => setOpen(open === a ? null : a)}
          >
            {t(`action.${a}`)}
          </button>
        ))}
      </div>
      {open && (
        <div className="action-form">
          {form[open]()}
          <button type="button" onClick={close}>
            {t("close")}
          </button>
        </div>
      )}
    </div>
  );
}

function TriageForm({ request, onDone }: ActionProps) {
  const { t } = useTranslation("hotline");
  const [need, setNeed] = useState<Need>(request.need);
  const [urgency, setUrgency] = useState<Urgency>(request.urgency);
  const [note, setNote] = useState("");
  const [, triage] = useMutation(TRIAGE);
  const action = useAction(["note", "need", "urgency"]);
  const submit = submitted(() => action.run(() => triage({ id: request.id, need, urgency, note: note || null })), onDone);
  return (
    <form onSubmit={submit} aria-label={t("action.triage")}>
      <div className="row">
        <Select
          label={t("need")}
          value={need}
          values={NEEDS}
          labelOf={(n) => t(`common:Need.${n}`)}
          onChange={(v) => setNeed(v as Need)}
          error={action.fieldErrors.need}
        />
        <Select
          label={t("urgency")}
          value={urgency}
          values={URGENCIES}
          labelOf={(u) => t(`common:Urgency.${u}`)}
          onChange={(v) => setUrgency(v as Urgency)}
          error={action.fieldErrors.urgency}
        />
      </div>
      <TextField label={t("triageNote")} value={note} onChange={setNote} multiline error={action.fieldErrors.note} />
      <SubmitBar label={t("triageSubmit")} busy={action.busy} errors={action.formErrors} />
    </form>
  );
}

function StartButton({ request, onDone }: ActionProps) {
  const { t } = useTranslation("hotline");
  const [, start] = useMutation(START);
  const action = useAction();
  const click = () => void action.run(() => start({ id: request.id })).then((data) => data && onDone());
  return (
    <span className="start">
      <button type="button" className="primary" onClick={click} disabled={action.busy}>
        {t("action.start")}
      </button>
      <ActionError errors={action.formErrors} />
    </span>
  );
}

function FulfilForm({ request, onDone }: ActionProps) {
  const { t } = useTranslation("hotline");
  const [note, setNote] = useState("");
  const [, fulfil] = useMutation(FULFIL);
  const action = useAction(["note"]);
  const submit = submitted(() => action.run(() => fulfil({ id: request.id, note: note || null })), onDone);
  return (
    <form onSubmit={submit} aria-label={t("action.fulfil")}>
      <TextField
        label={t("fulfilNote")}
        value={note}
        onChange={setNote}
        multiline
        help={t("fulfilNoteHelp")}
        error={action.fieldErrors.note}
      />
      <SubmitBar label={t("fulfilSubmit")} busy={action.busy} errors={action.formErrors} />
    </form>
  );
}

function CancelForm({ request, onDone }: ActionProps) {
  const { t } = useTranslation("hotline");
  const [reason, setReason] = useState("");
  const [, cancel] = useMutation(CANCEL);
  const action = useAction(["reason"]);
  const submit = submitted(() => action.run(() => cancel({ id: request.id, reason })), onDone);
  return (
    <form onSubmit={submit} aria-label={t("action.cancel")}>
      <TextField label={t("cancelReason")} value={reason} onChange={setReason} multiline required error={action.fieldErrors.reason} />
      <SubmitBar label={t("cancelSubmit")} busy={action.busy} errors={action.formErrors} />
    </form>
  );
}
