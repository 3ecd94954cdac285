// The events the volunteer signed up for, in every region, and the hours they served.
import { useTranslation } from "react-i18next";
import { useDateTime } from "../../ui/workspace";
import type { SignUp } from "./types";

export function Events({ events, hours }: { events: SignUp[] | null; hours: number | null }) {
  const { t, i18n } = useTranslation("volunteer");
  const when = useDateTime();
  const number = new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 1 });
  return (
    <section className="panel" aria-labelledby="events-title">
      <h2 id="events-title">{t("eventsTitle")}</h2>
      <p data-testid="hours">{hours === null ? t("hoursUnavailable") : t("hoursServed", { hours: number.format(hours) })}</p>
      {events === null ? (
        <p className="muted">{t("unavailable")}</p>
      ) : events.length ? (
        <div className="table-scroll">
          <table>
            <caption className="visually-hidden">{t("eventsTitle")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("event")}</th>
                <th scope="col">{t("kind")}</th>
                <th scope="col">{t("common:region")}</th>
                <th scope="col">{t("when")}</th>
                <th scope="col">{t("where")}</th>
                <th scope="col">{t("status")}</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id}>
                  <th scope="row">{e.title}</th>
                  <td>{t(`EventKind.${e.kind}`)}</td>
                  <td>{e.region.name}</td>
                  <td>
                    <time dateTime={e.startsAt}>{when(e.startsAt)}</time> – <time dateTime={e.endsAt}>{when(e.endsAt)}</time>
                  </td>
                  <td>{e.location ?? t("online")}</td>
                  <td>{t(`EventStatus.${e.status}`)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p className="muted">{t("noEvents")}</p>
      )}
    </section>
  );
}
