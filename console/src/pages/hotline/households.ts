// Finding a known household for a call. The graph lists a region's households but cannot
// search them by name, so the picker reads the region's active households once (when staff
// start typing: every read of personal data is logged) and matches names and phones here.
import { useEffect, useState } from "react";
import { useClient, type Client, type OperationResult } from "urql";
import { graphErrors, type GraphError } from "../../graph";

const HOUSEHOLDS = `query HotlineHouseholds($code: String!, $after: String) {
  region(code: $code) {
    code
    beneficiaries(first: 100, after: $after, filter: { status: ACTIVE }) {
      nodes { id fullName phone address householdSize }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

/** At most this many pages of 100 are read: enough for a regional centre's register. */
const MAX_PAGES = 20;

export interface Household {
  id: string;
  fullName: string | null;
  phone: string | null;
  address: string | null;
  householdSize: number;
}

type Page = {
  region: { beneficiaries: { nodes: Household[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } | null } | null;
};

/** The region's active households, read page by page from the first time `wanted` is true. */
export function useHouseholds(region: string, wanted: boolean): { households: Household[]; loading: boolean; errors: GraphError[] } {
  const client = useClient();
  const [asked, setAsked] = useState(false);
  if (wanted && !asked) setAsked(true);
  const [state, setState] = useState<{ households: Household[]; loading: boolean; errors: GraphError[] }>({
    households: [],
    loading: false,
    errors: [],
  });
  useEffect(() => {
    if (!asked) return;
    let cancelled = false;
    setState({ households: [], loading: true, errors: [] });
    void readAll(client, region, () => cancelled).then((read) => !cancelled && setState({ ...read, loading: false }));
    return () => {
      cancelled = true;
    };
  }, [client, region, asked]);
  return state;
}

async function readAll(
  client: Client,
  region: string,
  cancelled: () => boolean,
): Promise<{ households: Household[]; errors: GraphError[] }> {
  const households: Household[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_PAGES && !cancelled(); page++) {
    const result: OperationResult<Page> = await client.query<Page>(HOUSEHOLDS, { code: region, after }).toPromise();
    const connection = result.data?.region?.beneficiaries;
    if (result.error || !connection) return { households, errors: graphErrors(result.error) };
    households.push(...connection.nodes);
    if (!connection.pageInfo.hasNextPage) break;
    after = connection.pageInfo.endCursor;
  }
  return { households, errors: [] };
}

const digits = (text: string) => text.replace(/\D/g, "");

/** Households whose name holds the text, or whose phone holds its digits (three or more). */
export function matching(households: Household[], text: string): Household[] {
  const words = text.trim().toLocaleLowerCase().split(/\s+/).filter(Boolean);
  const number = digits(text);
  if (!words.length) return [];
  return households.filter(
    (h) =>
      (number.length >= 3 && digits(h.phone ?? "").includes(number)) ||
      (h.fullName !== null && words.every((w) => h.fullName!.toLocaleLowerCase().includes(w))),
  );
}
