// The region's events in one table, upcoming first; a title opens the event.
import { useTranslation } from "react-i18next";
import { TableHead } from "../../ui/panels";
import { dateTime } from "../../ui/workspace";
import type { EventRow } from "./types";

export function EventList({ events, now, onOpen }: { events: EventRow[]; now: number; onOpen: (id: string) => void }) {
  const { t, i18n } = useTranslation("events");
  return (
    <table>
      <caption className="visually-hidden">{t("list.title")}</caption>
      <TableHead
        columns={[
          t("field.title"),
          t("field.kind"),
          t("field.startsAt"),
          t("field.endsAt"),
          t("field.where"),
          { num: t("field.capacity") },
          { num: t("field.spotsLeft") },
          t("field.status"),
        ]}
      />
      <tbody>
        {events.map((e) => (
          <tr key={e.id}>
            <th scope="row">
              <button type="button" className="ws-link" onClick={() => onOpen(e.id)}>
                {e.title}
              </button>
            </th>
            <td>{t(`Kind.${e.kind}`)}</td>
            <td>{dateTime(e.startsAt, i18n.language)}</td>
            <td>{dateTime(e.endsAt, i18n.language)}</td>
            <td>{e.location ?? (e.onlineUrl ? t("online") : "")}</td>
            <td className="num">{e.capacity}</td>
            <td className="num" data-testid="spots-left">
              {e.spotsLeft}
            </td>
            <td>{statusText(e, now, t)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A scheduled event under way reads as such; otherwise its status. */
export function statusText(e: EventRow, now: number, t: (key: string) => string): string {
  const underway = e.status === "SCHEDULED" && new Date(e.startsAt).getTime() <= now && new Date(e.endsAt).getTime() > now;
  return underway ? t("underway") : t(`Status.${e.status}`);
}
