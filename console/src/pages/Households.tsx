// Households of the signed-in staff member's region: search first (most callers are known), one
// household's record, and enrolment with consent. Personal fields come only to the region's own
// staff; the graph decides.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { graphErrors } from "../graph";
import { useClaims } from "../session";
import { QueryErrors, RegionBanner } from "../ui/banners";
import { EnrolForm } from "./households/EnrolForm";
import { HouseholdDetail } from "./households/HouseholdDetail";
import { graphFilter, NO_FILTERS, SearchForm, SearchResults, type SearchFilters } from "./households/HouseholdSearch";
import type { HouseholdRow } from "./households/types";
import "./households/workspace.css";

const HOUSEHOLDS = `
  query ConsoleHouseholds($region: String!, $after: String, $filter: BeneficiaryFilter) {
    region(code: $region) {
      code
      beneficiaries(first: 50, after: $after, filter: $filter) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { id fullName householdSize address needs vulnerabilities status registeredAt }
      }
    }
  }
`;

interface HouseholdsData {
  region: {
    beneficiaries: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: HouseholdRow[] } | null;
  } | null;
}

export function Households() {
  const { t } = useTranslation("households");
  const region = useClaims().region!;
  const [filters, setFilters] = useState<SearchFilters>(NO_FILTERS);
  // The cursors of the pages before this one: the last is where this page starts.
  const [cursors, setCursors] = useState<string[]>([]);
  const [open, setOpen] = useState<string | null>(null);
  const [result, refetch] = useQuery<HouseholdsData>({
    query: HOUSEHOLDS,
    variables: { region, after: cursors.at(-1) ?? null, filter: graphFilter(filters) },
  });
  const errors = graphErrors(result.error);
  const page = result.data?.region?.beneficiaries;
  const reload = () => refetch({ requestPolicy: "network-only" });

  function filter(next: SearchFilters) {
    // The name narrows the page shown; the other filters ask the graph from the first page.
    if (next.need !== filters.need || next.vulnerability !== filters.vulnerability || next.status !== filters.status) setCursors([]);
    setFilters(next);
  }

  return (
    <>
      <h1>{t("title")}</h1>
      <p>{t("intro")}</p>
      <RegionBanner errors={errors} />
      <QueryErrors errors={errors} />
      <section className="panel" aria-labelledby="search-title">
        <h2 id="search-title">{t("search.title")}</h2>
        <SearchForm filters={filters} onChange={filter} />
        {result.fetching && <p role="status">{t("common:loading")}</p>}
        {page && <SearchResults rows={page.nodes} name={filters.name} total={page.totalCount} onOpen={setOpen} />}
        <div className="toolbar ws-pager">
          <button type="button" disabled={!cursors.length} onClick={() => setCursors((c) => c.slice(0, -1))}>
            {t("search.previous")}
          </button>
          <button
            type="button"
            disabled={!page?.pageInfo.hasNextPage}
            onClick={() => page?.pageInfo.endCursor && setCursors((c) => [...c, page.pageInfo.endCursor!])}
          >
            {t("search.next")}
          </button>
        </div>
      </section>
      {open && <HouseholdDetail key={open} id={open} onChanged={reload} onClose={() => setOpen(null)} />}
      <EnrolForm
        region={region}
        onEnrolled={(id) => {
          setCursors([]);
          reload();
          setOpen(id);
        }}
      />
    </>
  );
}
