// One event: who signed up and the hours they served; volunteers are signed up here, and
// their hours recorded once the event has started.
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery } from "urql";
import { graphErrors } from "../../graph";
import { QueryErrors } from "../../ui/banners";
import { useAction } from "../../ui/forms";
import { Select, TextField } from "../../ui/inputs";
import { SubmitBar, submitted, TableHead } from "../../ui/panels";
import { dateTime, typedNumber } from "../../ui/workspace";
import { statusText } from "./EventList";
import type { EventDetailData } from "./types";
import { VolunteerPicker } from "./VolunteerPicker";

const EVENT = `
  query ConsoleEvent($id: ID!) {
    event(id: $id) {
      id title kind description startsAt endsAt location onlineUrl capacity spotsLeft status cancelReason
      attendance(first: 1000) { volunteer { id fullName } signedUpAt hours }
    }
  }
`;

const SIGN_UP = `mutation ConsoleSignUp($eventId: ID!, $volunteerId: ID!) { signUpForEvent(eventId: $eventId, volunteerId: $volunteerId) { id spotsLeft } }`;
const ATTENDED = `
  mutation ConsoleAttendance($eventId: ID!, $volunteerId: ID!, $hours: Float!) {
    recordAttendance(eventId: $eventId, volunteerId: $volunteerId, hours: $hours) { id }
  }
`;

interface DetailProps {
  id: string;
  region: string;
  now: number;
  onChanged: () => void;
  onClose: () => void;
}

export function EventDetail({ id, region, now, onChanged, onClose }: DetailProps) {
  const { t, i18n } = useTranslation("events");
  const [result, refetch] = useQuery<{ event: EventDetailData | null }>({ query: EVENT, variables: { id } });
  const heading = useRef<HTMLHeadingElement>(null);
  const event = result.data?.event;
  useEffect(() => heading.current?.focus(), [id, event?.id]);
  const changed = () => {
    refetch({ requestPolicy: "network-only" });
    onChanged();
  };
  const started = event ? new Date(event.startsAt).getTime() <= now : false;
  const over = event ? new Date(event.endsAt).getTime() <= now : false;
  return (
    <section className="panel" aria-labelledby="event-title">
      <div className="toolbar">
        <h2 id="event-title" ref={heading} tabIndex={-1}>
          {event?.title ?? t("detail.title")}
        </h2>
        <button type="button" onClick={onClose}>
          {t("detail.close")}
        </button>
      </div>
      {result.fetching && !event && <p role="status">{t("common:loading")}</p>}
      <QueryErrors errors={graphErrors(result.error)} />
      {event && (
        <>
          <dl className="ws-facts">
            <dt>{t("field.kind")}</dt>
            <dd>{t(`Kind.${event.kind}`)}</dd>
            <dt>{t("field.startsAt")}</dt>
            <dd>{dateTime(event.startsAt, i18n.language)}</dd>
            <dt>{t("field.endsAt")}</dt>
            <dd>{dateTime(event.endsAt, i18n.language)}</dd>
            <dt>{t("field.where")}</dt>
            <dd>{event.location ?? (event.onlineUrl && <a href={event.onlineUrl}>{t("online")}</a>)}</dd>
            <dt>{t("field.spotsLeft")}</dt>
            <dd>{t("detail.spots", { left: event.spotsLeft, capacity: event.capacity })}</dd>
            <dt>{t("field.status")}</dt>
            <dd>
              {statusText(event, now, t)}
              {event.cancelReason && <> — {event.cancelReason}</>}
            </dd>
            {event.description && (
              <>
                <dt>{t("field.description")}</dt>
                <dd>{event.description}</dd>
              </>
            )}
          </dl>
          <Attendance event={event} />
          {event.status === "SCHEDULED" && !over && <SignUp event={event} region={region} onDone={changed} />}
          {event.status !== "CANCELLED" && started && event.attendance.length > 0 && <RecordAttendance event={event} onDone={changed} />}
          {!started && event.attendance.length > 0 && <p className="muted">{t("attendance.later")}</p>}
        </>
      )}
    </section>
  );
}

function Attendance({ event }: { event: EventDetailData }) {
  const { t, i18n } = useTranslation("events");
  return (
    <>
      <h3>{t("attendance.title", { signedUp: event.attendance.length })}</h3>
      {event.attendance.length === 0 ? (
        <p className="muted">{t("attendance.none")}</p>
      ) : (
        <table>
          <TableHead columns={[t("attendance.volunteer"), t("attendance.signedUpAt"), { num: t("attendance.hours") }]} />
          <tbody>
            {event.attendance.map((a) => (
              <tr key={a.volunteer.id}>
                <td>{a.volunteer.fullName}</td>
                <td>{dateTime(a.signedUpAt, i18n.language)}</td>
                <td className="num">{a.hours ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function SignUp({ event, region, onDone }: { event: EventDetailData; region: string; onDone: () => void }) {
  const { t } = useTranslation("events");
  const [volunteerId, setVolunteerId] = useState("");
  const [, signUp] = useMutation(SIGN_UP);
  const action = useAction(["volunteerId", "eventId"]);
  async function submit() {
    if (await action.run(() => signUp({ eventId: event.id, volunteerId }))) {
      setVolunteerId("");
      onDone();
    }
  }
  return (
    <form onSubmit={submitted(submit)} noValidate aria-labelledby="signup-title">
      <h3 id="signup-title">{t("signUp.title")}</h3>
      <VolunteerPicker
        region={region}
        label={t("signUp.volunteer")}
        value={volunteerId}
        onChange={setVolunteerId}
        error={action.fieldErrors.volunteerId}
      />
      <SubmitBar label={t("signUp.submit")} busy={action.busy} errors={action.formErrors} />
    </form>
  );
}

function RecordAttendance({ event, onDone }: { event: EventDetailData; onDone: () => void }) {
  const { t } = useTranslation("events");
  const [volunteerId, setVolunteerId] = useState("");
  const [hours, setHours] = useState("");
  const [, record] = useMutation(ATTENDED);
  const action = useAction(["volunteerId", "hours"]);
  async function submit() {
    if (await action.run(() => record({ eventId: event.id, volunteerId, hours: typedNumber(hours) }))) {
      setHours("");
      onDone();
    }
  }
  const names = new Map(event.attendance.map((a) => [a.volunteer.id, a.volunteer.fullName]));
  return (
    <form onSubmit={submitted(submit)} noValidate aria-labelledby="attendance-form-title">
      <h3 id="attendance-form-title">{t("attendance.record")}</h3>
      <div className="row ws-fields">
        <Select
          label={t("attendance.volunteer")}
          value={volunteerId}
          values={[...names.keys()]}
          labelOf={(id) => names.get(id)!}
          onChange={setVolunteerId}
          empty={t("volunteer.choose")}
          error={action.fieldErrors.volunteerId}
        />
        <TextField
          label={t("attendance.hours")}
          type="number"
          min={0}
          step={0.5}
          value={hours}
          onChange={setHours}
          error={action.fieldErrors.hours}
        />
      </div>
      <SubmitBar label={t("attendance.submit")} busy={action.busy} errors={action.formErrors} />
    </form>
  );
}
