// Households of the signed-in staff member's region: search first (most callers are known), one
// household's record, and enrolment with consent. Personal fields come only to the region's own
// staff; the graph decides.
import { useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { graphErrors } from "../graph";
import { useClaims } from "../session";
import { QueryErrors, RegionBanner } from "../ui/banners";
import { HOUSEHOLDS_PER_READ, isSearchError, useSearchTerm } from "./HouseholdPicker";
import { EnrolForm } from "./households/EnrolForm";
import { HouseholdDetail } from "./households/HouseholdDetail";
import { graphFilter, NO_FILTERS, SearchForm, SearchResults, type SearchFilters } from "./households/HouseholdSearch";
import type { HouseholdRow } from "./households/types";
import "../ui/workspace.css";

const HOUSEHOLDS = `
  query ConsoleHouseholds($region: String!, $after: String, $filter: BeneficiaryFilter) {
    region(code: $region) {
      code
      beneficiaries(first: ${HOUSEHOLDS_PER_READ}, after: $after, filter: $filter) {
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
  const term = useSearchTerm(filters.search);
  const filter = graphFilter(filters, term);
  // The cursors of the pages before this one (the last is where this page starts), for the
  // filter they were read with: another filter starts again from the first page.
  const [paging, setPaging] = useState<{ filter: string; cursors: string[] }>({ filter: "", cursors: [] });
  const key = JSON.stringify(filter);
  const cursors = paging.filter === key ? paging.cursors : [];
  const page = (next: string[]) => setPaging({ filter: key, cursors: next });
  const [open, setOpen] = useState<string | null>(null);
  const searchHeading = useRef<HTMLHeadingElement>(null);
  const [result, refetch] = useQuery<HouseholdsData>({
    query: HOUSEHOLDS,
    variables: { region, after: cursors.at(-1) ?? null, filter },
  });
  const errors = graphErrors(result.error);
  const others = errors.filter((e) => !isSearchError(e));
  const found = result.data?.region?.beneficiaries;
  const reload = () => refetch({ requestPolicy: "network-only" });
  const search = { term, fetching: result.fetching, total: found?.totalCount, errors: errors.filter(isSearchError) };

  return (
    <>
      <h1>{t("title")}</h1>
      <p>{t("intro")}</p>
      <RegionBanner errors={others} own />
      <QueryErrors errors={others} />
      <section className="panel" aria-labelledby="search-title">
        <h2 id="search-title" ref={searchHeading} tabIndex={-1}>
          {t("search.title")}
        </h2>
        <SearchForm filters={filters} onChange={setFilters} search={search} />
        {result.fetching && <p role="status">{t("common:loading")}</p>}
        {found && <SearchResults rows={found.nodes} total={found.totalCount} onOpen={setOpen} />}
        <div className="toolbar ws-pager">
          <button type="button" disabled={!cursors.length} onClick={() => page(cursors.slice(0, -1))}>
            {t("search.previous")}
          </button>
          <button
            type="button"
            disabled={!found?.pageInfo.hasNextPage}
            onClick={() => found?.pageInfo.endCursor && page([...cursors, found.pageInfo.endCursor])}
          >
            {t("search.next")}
          </button>
        </div>
      </section>
      {open && (
        <HouseholdDetail
          key={open}
          id={open}
          onChanged={reload}
          onClose={() => {
            // The record goes: the reader goes back to the search it was opened from.
            setOpen(null);
            searchHeading.current?.focus();
          }}
        />
      )}
      <EnrolForm
        region={region}
        onEnrolled={(id) => {
          page([]);
          reload();
          setOpen(id);
        }}
        onRecorded={() => {
          page([]);
          reload();
        }}
      />
    </>
  );
}
