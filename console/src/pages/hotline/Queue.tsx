// The region's queue: most urgent first, then the oldest, as the graph orders it. "Open" reads
// each open status's queue and merges them, since the graph filters one status at a time.
import { useEffect, useMemo, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { graphErrors, unavailableRegions } from "../../graph";
import { QueryErrors, RegionBanner } from "../../ui/banners";
import { NEEDS, URGENCIES, useRefreshWhileOpen } from "../../ui/workspace";
import { Select } from "../../ui/inputs";
import {
  byQueueOrder,
  OPEN_STATUSES,
  STAFF_REQUEST_FIELDS,
  STATUSES,
  type HelpRequest,
  type Need,
  type Status,
  type Urgency,
} from "./model";
import { RequestCard } from "./RequestCard";
import { useFocusAfterChange } from "../../ui/focus";

const PAGE = 20;

/** One aliased list per status (aliases are the statuses), with the same filters. */
function queueQuery(statuses: readonly Status[]): string {
  const lists = statuses.map(
    (s) => `${s}: helpRequests(first: $first, status: ${s}, need: $need, urgency: $urgency) { totalCount nodes { ...StaffRequestFields } }`,
  );
  return `query HotlineQueue($code: String!, $first: Int!, $need: Need, $urgency: Urgency) {
    region(code: $code) { code ${lists.join("\n")} }
  }
  ${STAFF_REQUEST_FIELDS}`;
}

type Lists = { region: Record<string, { totalCount: number; nodes: HelpRequest[] } | string | null> | null };

/** `stamp` changes when a request was opened elsewhere on the page: the queue is read again. */
export function Queue({ region, stamp }: { region: string; stamp: number }) {
  const { t } = useTranslation("hotline");
  const [status, setStatus] = useState<Status | "">("");
  const [need, setNeed] = useState<Need | "">("");
  const [urgency, setUrgency] = useState<Urgency | "">("");
  const [first, setFirst] = useState(PAGE);
  const statuses = useMemo(() => (status ? [status] : OPEN_STATUSES), [status]);
  const query = useMemo(() => queueQuery(statuses), [statuses]);
  const [result, refetch] = useQuery<Lists>({ query, variables: { code: region, first, need: need || null, urgency: urgency || null } });
  // Only a new stamp reads again (refetch itself changes with the filters, which read anyway).
  const seen = useRef(stamp);
  useEffect(() => {
    if (seen.current === stamp) return;
    seen.current = stamp;
    refetch();
  }, [stamp, refetch]);
  // Other operators and volunteers change the queue too.
  useRefreshWhileOpen(refetch);
  const focus = useFocusAfterChange(result.data);

  const errors = graphErrors(result.error);
  const lists = statuses.flatMap((s) => {
    const list = result.data?.region?.[s];
    return list && typeof list === "object" ? [list] : [];
  });
  const total = lists.reduce((n, l) => n + l.totalCount, 0);
  // Each list holds its first `first` in queue order, so the merged first `first` are right.
  const requests = lists
    .flatMap((l) => l.nodes)
    .sort(byQueueOrder)
    .slice(0, first);
  const reread = () => refetch();
  const changed = () => {
    focus.changed();
    reread();
  };
  // Counted only when every list answered: a region that did not answer has not said it is empty.
  const answered = lists.length === statuses.length && !unavailableRegions(errors).length;
  const filtered = Boolean(status || need || urgency);

  return (
    <section className="panel" aria-labelledby="queue-title">
      <div className="toolbar">
        <h2 id="queue-title" ref={focus.fallback} tabIndex={-1}>
          {t("queueTitle")}
        </h2>
        <button type="button" onClick={reread} disabled={result.fetching}>
          {result.fetching ? t("common:loading") : t("common:refresh")}
        </button>
      </div>
      <div className="row" role="group" aria-label={t("filters")}>
        <Select
          label={t("status")}
          value={status}
          values={STATUSES}
          labelOf={(s) => t(`Status.${s}`)}
          onChange={setStatus}
          empty={t("allOpen")}
        />
        <Select
          label={t("urgency")}
          value={urgency}
          values={URGENCIES}
          labelOf={(u) => t(`common:Urgency.${u}`)}
          onChange={setUrgency}
          empty={t("anyUrgency")}
        />
        <Select
          label={t("need")}
          value={need}
          values={NEEDS}
          labelOf={(n) => t(`common:Need.${n}`)}
          onChange={setNeed}
          empty={t("anyNeed")}
        />
      </div>
      <RegionBanner errors={errors} own />
      <QueryErrors errors={errors} />
      {result.data && answered && (
        <p className="muted" data-testid="queue-count">
          {total ? t("shownOf", { shown: requests.length, total }) : t(filtered ? "noneMatch" : "noneOpen")}
        </p>
      )}
      <ol className="queue">
        {requests.map((r) => (
          <li key={r.id}>
            <RequestCard request={r} region={region} onChanged={changed} />
          </li>
        ))}
      </ol>
      {total > requests.length && (
        <button type="button" onClick={() => setFirst(Math.min(first + PAGE, 100))} disabled={first >= 100 || result.fetching}>
          {t("showMore")}
        </button>
      )}
    </section>
  );
}
