// One help request as the hotline reads it: what is needed, how urgently, from whom, who has it,
// what happened so far, and what can be done next.
import { useId, useRef, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { RequestActions } from "./actions";
import { useDateTime } from "../../ui/workspace";
import type { HelpRequest } from "./model";

interface CardProps {
  request: HelpRequest;
  /** The staff member's region; a volunteer's view passes none (start and fulfil only). */
  region?: string;
  onChanged: () => void;
}

export function RequestCard({ request, region, onChanged }: CardProps) {
  const { t } = useTranslation("hotline");
  const heading = useId();
  // Where focus goes after an action: the button that opened its form may be gone with the old status.
  const headingRef = useRef<HTMLHeadingElement>(null);
  const when = useDateTime();
  const r = request;
  return (
    <article className={`request urgency-${r.urgency}`} aria-labelledby={heading} data-request={r.id}>
      <h3 id={heading} ref={headingRef} tabIndex={-1}>
        {t(`common:Need.${r.need}`)} · {t(`common:Urgency.${r.urgency}`)}
      </h3>
      <ul className="chips" aria-label={t("summary")}>
        <li className={`status status-${r.status}`}>{t(`Status.${r.status}`)}</li>
        <li>{t(`Channel.${r.channel}`)}</li>
        <li>{t("openedAt", { at: when(r.createdAt) })}</li>
      </ul>
      <dl className="facts">
        {r.description && <Fact label={t("description")}>{r.description}</Fact>}
        {r.contactPhone && <Fact label={t("phone")}>{r.contactPhone}</Fact>}
        {r.beneficiary !== undefined && (
          <Fact label={t("household")}>{r.beneficiary ? (r.beneficiary.fullName ?? t("withdrawn")) : t("unknownCaller")}</Fact>
        )}
        {r.assignedVolunteer && <Fact label={t("volunteer")}>{r.assignedVolunteer.fullName}</Fact>}
      </dl>
      <History request={r} />
      <RequestActions
        request={r}
        staffRegion={region}
        onDone={() => {
          headingRef.current?.focus();
          onChanged();
        }}
      />
    </article>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** Each step of the request's life, oldest first. */
function History({ request }: { request: HelpRequest }) {
  const { t } = useTranslation("hotline");
  const when = useDateTime();
  const actor = useActor();
  return (
    <details className="history">
      <summary>{t("history", { count: request.history.length })}</summary>
      <ol>
        {request.history.map((step, i) => (
          <li key={i}>
            <time dateTime={step.at}>{when(step.at)}</time> —{" "}
            <strong>
              {step.from ? t("fromTo", { from: t(`Status.${step.from}`), to: t(`Status.${step.to}`) }) : t(`Status.${step.to}`)}
            </strong>{" "}
            — {actor(step.actor)}
            {step.note && <span className="note"> — {step.note}</span>}
          </li>
        ))}
      </ol>
    </details>
  );
}

/** Who made a change: the graph gives `ROLE:id` to the region's staff and the role alone to others. */
function useActor(): (actor: string) => string {
  const { t } = useTranslation();
  return (actor) => {
    const [role, ...id] = actor.split(":");
    const known = ["NATIONAL_COORDINATOR", "REGIONAL_STAFF", "VOLUNTEER"].includes(role);
    return known ? [t(`role.${role}`), id.join(":")].filter(Boolean).join(" · ") : actor;
  };
}
