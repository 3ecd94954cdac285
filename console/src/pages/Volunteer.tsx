// A volunteer's own page: their profile, the requests assigned to them (start, fulfil), their
// event sign-ups and the hours they served. Their id is their token's subject.
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { graphErrors } from "../graph";
import { graphLanguage } from "../i18n";
import { useClaims } from "../session";
import { QueryErrors, RegionBanner } from "../ui/banners";
import { useRefreshWhileOpen } from "../ui/workspace";
import { useFocusAfterChange } from "../ui/focus";
import { isOpen, REQUEST_FIELDS } from "./hotline/model";
import { RequestCard } from "./hotline/RequestCard";
import { Events } from "./volunteer/Events";
import { Profile } from "./volunteer/Profile";
import type { Me } from "./volunteer/types";
import "./hotline/hotline.css";

const ME = `query MyVolunteering($id: ID!, $lang: Language!) {
  volunteer(id: $id) {
    id fullName phone skills languages status
    region { code name(lang: $lang) }
    hoursServed
    events(first: 50) { id title kind startsAt endsAt location status region { code name(lang: $lang) } }
    assignedHelpRequests(first: 50) { ...RequestFields }
  }
}
${REQUEST_FIELDS}`;

export function Volunteer() {
  const { t, i18n } = useTranslation("volunteer");
  const { sub } = useClaims();
  const [result, refetch] = useQuery<{ volunteer: Me | null }>({ query: ME, variables: { id: sub, lang: graphLanguage(i18n.language) } });
  const errors = graphErrors(result.error);
  const me = result.data?.volunteer;
  const requests = me?.assignedHelpRequests ?? [];
  const open = requests.filter((r) => isOpen(r.status));
  const closed = requests.filter((r) => !isOpen(r.status));
  // Staff assign and cancel requests while the page is open.
  useRefreshWhileOpen(refetch);
  const focus = useFocusAfterChange(result.data);
  const reread = () => refetch();
  const changed = () => {
    focus.changed();
    reread();
  };

  return (
    <>
      <div className="toolbar">
        <h1>{t("title")}</h1>
        <button type="button" onClick={reread} disabled={result.fetching}>
          {result.fetching ? t("common:loading") : t("common:refresh")}
        </button>
      </div>
      <RegionBanner errors={errors} own />
      <QueryErrors errors={errors} />
      {/* Not found only when the graph answered in full: a region that did not answer has not said so. */}
      {result.data && !me && !errors.length && <p className="banner banner-info">{t("notFound")}</p>}
      {me && (
        <div className="requests-page">
          <Profile me={me} />
          <section className="panel" aria-labelledby="assigned-title">
            <h2 id="assigned-title" ref={focus.fallback} tabIndex={-1}>
              {t("assignedTitle")}
            </h2>
            {me.assignedHelpRequests === null ? (
              <p className="muted">{t("unavailable")}</p>
            ) : open.length ? (
              <ol className="requests">
                {open.map((r) => (
                  <li key={r.id}>
                    <RequestCard request={r} onChanged={changed} />
                  </li>
                ))}
              </ol>
            ) : (
              <p className="muted">{t("noneAssigned")}</p>
            )}
            {closed.length > 0 && (
              <details className="done">
                <summary>{t("doneTitle", { count: closed.length })}</summary>
                <ol className="requests">
                  {closed.map((r) => (
                    <li key={r.id}>
                      <RequestCard request={r} onChanged={changed} />
                    </li>
                  ))}
                </ol>
              </details>
            )}
          </section>
          <Events events={me.events} hours={me.hoursServed} />
        </div>
      )}
    </>
  );
}
