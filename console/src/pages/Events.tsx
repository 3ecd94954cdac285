// Events of the signed-in staff member's region: upcoming first, a new event, and one event's
// sign-ups and attendance.
import { useCallback, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { graphErrors } from "../graph";
import { useClaims } from "../session";
import { QueryErrors, RegionBanner } from "../ui/banners";
import { useRefreshWhileOpen } from "../ui/workspace";
import { CreateEventForm } from "./events/CreateEventForm";
import { EventDetail } from "./events/EventDetail";
import { EventList } from "./events/EventList";
import { upcomingFirst, type EventRow } from "./events/types";
import "../ui/workspace.css";

const EVENTS = `
  query ConsoleEvents($region: String!, $from: DateTimeISO!) {
    region(code: $region) {
      code
      events(from: $from, first: 100) {
        totalCount
        nodes { id title kind startsAt endsAt location onlineUrl capacity spotsLeft status }
      }
    }
  }
`;

/** How far back the list reaches: recent events stay at hand for recording attendance. */
const PAST_DAYS = 60;

export function Events() {
  const { t } = useTranslation("events");
  const region = useClaims().region!;
  // The list reaches back from when the page opened (a moving start would ask again on every
  // render); "now" moves on each read, so an event that starts meanwhile reads as under way.
  const [from] = useState(() => new Date(Date.now() - PAST_DAYS * 86_400_000).toISOString());
  const [now, setNow] = useState(Date.now);
  const listHeading = useRef<HTMLHeadingElement>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [result, refetch] = useQuery<{ region: { events: { totalCount: number; nodes: EventRow[] } | null } | null }>({
    query: EVENTS,
    variables: { region, from },
  });
  const errors = graphErrors(result.error);
  const events = result.data?.region?.events;
  const reload = useCallback(() => {
    setNow(Date.now());
    refetch({ requestPolicy: "network-only" });
  }, [refetch]);
  useRefreshWhileOpen(reload);
  return (
    <>
      <h1>{t("title")}</h1>
      <RegionBanner errors={errors} own />
      <QueryErrors errors={errors} />
      <CreateEventForm
        region={region}
        onCreated={(id) => {
          reload();
          setOpen(id);
        }}
        onRecorded={reload}
      />
      <section className="panel" aria-labelledby="events-title">
        <h2 id="events-title" ref={listHeading} tabIndex={-1}>
          {t("list.title")}
        </h2>
        <p className="muted">{t("list.intro", { days: PAST_DAYS })}</p>
        {result.fetching && !events && <p role="status">{t("common:loading")}</p>}
        {events &&
          (events.nodes.length ? (
            <EventList events={upcomingFirst(events.nodes, now)} now={now} onOpen={setOpen} />
          ) : (
            <p>{t("list.none")}</p>
          ))}
      </section>
      {open && (
        <EventDetail
          key={open}
          id={open}
          region={region}
          now={now}
          onChanged={reload}
          onClose={() => {
            // The detail goes: the reader goes back to the list it was opened from.
            setOpen(null);
            listHeading.current?.focus();
          }}
        />
      )}
    </>
  );
}
