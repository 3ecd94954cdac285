// Finding a household by part of its name or phone, wherever one is chosen (a call, aid handed
// out) or listed (the households page). The graph searches, for the region's own staff only, and
// is asked for a few at a time once typing pauses: every read of personal fields is audited, so
// the page never reads a region's households in bulk to filter them itself.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { graphErrors, type GraphError } from "../graph";
import { Field } from "../ui/forms";
import { FoundSelect } from "../ui/inputs";
import { useDebounced } from "../ui/workspace";
import "./household-search.css";

/** At most this many households are read at once, by a search or a page of the list. */
export const HOUSEHOLDS_PER_READ = 20;
/** Shorter text would match most of the region. */
const MIN_SEARCH = 2;

const FIND = `
  query ConsoleFindHousehold($region: String!, $search: String!) {
    region(code: $region) {
      code
      beneficiaries(first: ${HOUSEHOLDS_PER_READ}, filter: { search: $search, status: ACTIVE }) {
        totalCount
        nodes { id fullName phone address householdSize }
      }
    }
  }
`;

interface Choice {
  id: string;
  fullName: string | null;
  phone: string | null;
  address: string | null;
  householdSize: number;
}

type Found = { region: { beneficiaries: { totalCount: number; nodes: Choice[] } | null } | null };

/** The graph's `filter.search` for what is typed: once typing pauses, and null while too short to ask. */
export function useSearchTerm(text: string): string | null {
  const settled = useDebounced(text.trim(), 250);
  return settled.length >= MIN_SEARCH ? settled : null;
}

/** The graph's refusals of the search itself (`filter.search: …`), shown by the search box. */
export const isSearchError = (e: GraphError): boolean => /\bfilter\.search\b/.test(e.message);

/** What a search has come to, for the line under its box. */
export interface SearchState {
  /** The text the graph was asked about (null: none asked). */
  term: string | null;
  fetching: boolean;
  /** Households found, when the graph has answered. */
  total?: number;
  /** How many of them are listed, when not all are. */
  listed?: number;
  errors: GraphError[];
}

interface SearchBoxProps {
  label: string;
  text: string;
  onChange: (text: string) => void;
  state: SearchState;
}

/** The search box, what it found (announced as it changes) and the graph's refusal next to it. */
export function SearchBox({ label, text, onChange, state }: SearchBoxProps) {
  const { t } = useTranslation("households");
  const typed = text.trim();
  const waiting = typed !== (state.term ?? "") || state.fetching;
  const status =
    typed.length < MIN_SEARCH || state.errors.length
      ? ""
      : waiting
        ? t("common:loading")
        : state.total === 0
          ? t("find.none")
          : state.total === undefined
            ? ""
            : state.listed !== undefined && state.listed < state.total
              ? t("find.more", { listed: state.listed, count: state.total })
              : t("find.count", { count: state.total });
  // A region that did not answer found nothing, which is not "no household found".
  const said = (e: GraphError) =>
    e.code === "NETWORK" ? t("common:networkError") : e.code === "REGION_UNAVAILABLE" ? t("find.unavailable") : e.message;
  const error = state.errors.map(said).join(" ");
  return (
    <div className="household-search">
      <Field label={label} help={t("find.help")} error={error || undefined}>
        {(p) => (
          <input {...p} type="search" value={text} onChange={(e) => onChange(e.target.value)} autoComplete="off" spellCheck={false} />
        )}
      </Field>
      <p className="help" role="status">
        {status}
      </p>
    </div>
  );
}

interface PickerProps {
  region: string;
  value: string;
  onChange: (id: string) => void;
  /** What choosing none means (an unknown caller); without it a household must be chosen. */
  noneLabel?: string;
  error?: string;
}

/** Choosing one of the region's active households (those with consent), searched for in the graph. */
export function HouseholdPicker({ region, value, onChange, noneLabel, error }: PickerProps) {
  const { t } = useTranslation("households");
  const [text, setText] = useState("");
  const term = useSearchTerm(text);
  const [result] = useQuery<Found>({ query: FIND, variables: { region, search: term }, pause: term === null });
  const found = term === null ? undefined : result.data?.region?.beneficiaries;
  const state: SearchState = {
    term,
    fetching: result.fetching,
    total: found?.totalCount,
    listed: found?.nodes.length,
    errors: term === null ? [] : graphErrors(result.error),
  };
  const describe = (c: Choice) =>
    [c.fullName ?? t("erased"), c.phone, c.address, t("pick.size", { size: c.householdSize })].filter(Boolean).join(" · ");
  return (
    <div className="household-picker">
      <SearchBox label={t("pick.search")} text={text} onChange={setText} state={state} />
      <FoundSelect
        label={t("pick.household")}
        value={value}
        onChange={onChange}
        none={noneLabel ?? t("pick.choose")}
        found={found?.nodes ?? []}
        describe={describe}
        error={error}
      />
    </div>
  );
}
