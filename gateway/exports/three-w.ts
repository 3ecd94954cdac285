// GET /export/3w.csv?from=YYYY-MM-DD&to=YYYY-MM-DD: "who does what, where" as the
// humanitarian system exchanges it, a CSV with an HXL hashtag row under its header (or
// `format=json`: the same rows as objects keyed by hashtag). Made of the graph's own
// `Region.reach`, asked of each region as the caller through the gateway, so the export
// and the graph cannot disagree and the graph's rules decide who reads what. Counts from 1
// to the threshold less one are left empty: a small group of people must not be singled out.
import type http from "node:http";
import type { Caller } from "../../subgraphs/kernel/auth.js";
import { appError, type ErrorCode } from "../../subgraphs/kernel/errors.js";
import { sendError } from "../../subgraphs/kernel/http.js";
import { parseLocalDate, periodOf, type Period } from "../../subgraphs/kernel/periods.js";
import type { RegionRegistry } from "../../subgraphs/kernel/regions.js";
import { compareSectors, SECTOR_LABELS, type Sector } from "../../subgraphs/kernel/sectors.js";
import type { GatewayContext } from "../context.js";

export const THREE_W_PATH = "/export/3w.csv";

/** A 3W report covers a year at most (as Region.reach does). */
const MAX_DAYS = 366;

/** The columns: a header people read, and the HXL 1.1 hashtag machines read. */
const THREE_W_COLUMNS = [
  ["Region code", "#adm1+code"],
  ["Region", "#adm1+name"],
  ["Organisation", "#org"],
  ["Sector", "#sector"],
  ["Households reached", "#reached+hh"],
  ["People reached", "#reached+ind"],
  ["Start date", "#date+start"],
  ["End date", "#date+end"],
] as const;
type Hashtag = (typeof THREE_W_COLUMNS)[number][1];
type Row = Record<Hashtag, string | number | null>;

/** Which regions failed to answer: sent before the rows, so every region is asked first. */
const MISSING_HEADER = "x-regions-missing";

const LANGS = { en: "EN", ru: "RU", kk: "KK" } as const;

const QUERY = `query ThreeW($code: String!, $from: Date!, $to: Date!, $lang: Language!) {
  region(code: $code) {
    code
    name(lang: $lang)
    reach(from: $from, to: $to) { organisation { name } sector householdsReached individualsReached }
  }
}`;

interface RegionReach {
  code: string;
  name: string;
  reach: Array<{ organisation: { name: string } | null; sector: Sector; householdsReached: number; individualsReached: number }> | null;
}

interface ExportRequest {
  period: Period;
  regions: string[];
  lang: keyof typeof LANGS;
  format: "csv" | "json";
}

const refuse = (status: number, code: ErrorCode, message: string) => appError(code, message, { http: { status } });

/** What the request asks for, checked before anything is asked of a region. */
function exportRequest(url: URL, caller: Caller | null, registry: RegionRegistry): ExportRequest {
  if (!caller) throw refuse(401, "UNAUTHENTICATED", "the 3W export needs authentication: send Authorization: Bearer <token>");
  const q = url.searchParams;
  for (const name of q.keys()) {
    if (!["from", "to", "format", "lang", "region"].includes(name))
      throw refuse(400, "BAD_USER_INPUT", `${name}: unknown parameter; expected from, to, format, lang or region`);
  }
  const one = (name: string) => {
    const all = q.getAll(name);
    if (all.length > 1) throw refuse(400, "BAD_USER_INPUT", `${name}: given ${all.length} times`);
    return all[0];
  };
  const [from, to] = [one("from"), one("to")];
  if (from === undefined || to === undefined)
    throw refuse(400, "BAD_USER_INPUT", "from and to are required: dates, YYYY-MM-DD, both inclusive");
  const period = periodOf(parseLocalDate(from, "from"), parseLocalDate(to, "to"), MAX_DAYS);
  const format = one("format") ?? "csv";
  if (format !== "csv" && format !== "json") throw refuse(400, "BAD_USER_INPUT", "format: csv or json");
  const lang = (one("lang") ?? "en").toLowerCase();
  // Own keys only: `constructor` is `in` every object.
  if (!Object.hasOwn(LANGS, lang)) throw refuse(400, "BAD_USER_INPUT", "lang: en, ru or kk");
  // Each region once, however often it is named.
  const asked = [
    ...new Set(
      q
        .getAll("region")
        .flatMap((r) => r.split(","))
        .map((r) => r.trim()),
    ),
  ];
  if (asked.length > registry.regions.length) throw refuse(400, "BAD_USER_INPUT", "region: more regions than the country has");
  const regions = asked.length ? [...new Set(asked.map((r) => registry.require(r, "region").code))] : registry.regions.map((r) => r.code);
  if (caller.role === "VOLUNTEER") throw refuse(403, "FORBIDDEN", "3W reports are for coordinators and regional staff");
  if (caller.role === "REGIONAL_STAFF") {
    // A region's staff export their own region's rows.
    const other = asked.find((r) => r !== caller.region);
    if (other) throw refuse(403, "FORBIDDEN", `region: staff of ${caller.region} export ${caller.region} only, not ${other}`);
    return { period, regions: [caller.region!], lang: lang as ExportRequest["lang"], format };
  }
  return { period, regions, lang: lang as ExportRequest["lang"], format };
}

/** A count as published: 0 is 0, 1 up to the threshold less one is left out, the rest as they are. */
export function publishedCount(n: number, threshold: number): number | null {
  return n > 0 && n < threshold ? null : n;
}

/**
 * A CSV cell: quoted when it must be; text a spreadsheet would run as a formula (an
 * organisation named "=HYPERLINK(…)") starts with an apostrophe instead.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  // Quoted also when it holds a semicolon or a tab: Excel set to Russian or Kazakh splits on
  // `;`, and "Aid;=1+1" must stay one cell (that does not start a formula).
  return /[",;\t\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvLine = (cells: Array<string | number | null>) => `${cells.map(csvCell).join(",")}\r\n`;

/** Writes, waiting when the client reads slower than the rows come; false once the client has gone. */
function write(res: http.ServerResponse, chunk: string): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (res.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok: boolean) => () => {
      res.off("drain", drained).off("close", closed);
      resolve(ok);
    };
    const [drained, closed] = [done(true), done(false)];
    res.once("drain", drained).once("close", closed);
  });
}

function rowsOf(region: RegionReach, request: ExportRequest, threshold: number): Row[] {
  return [...(region.reach ?? [])]
    .sort((a, b) => (a.organisation?.name ?? "").localeCompare(b.organisation?.name ?? "", "ru") || compareSectors(a.sector, b.sector))
    .map((r) => {
      const households = publishedCount(r.householdsReached, threshold);
      return {
        "#adm1+code": region.code,
        "#adm1+name": region.name,
        "#org": r.organisation?.name ?? null,
        "#sector": SECTOR_LABELS[r.sector],
        "#reached+hh": households,
        // Nine people in two households still single the households out: a row whose
        // households are left out has its people left out too.
        "#reached+ind": households === null ? null : publishedCount(r.individualsReached, threshold),
        "#date+start": request.period.start,
        "#date+end": request.period.end,
      };
    });
}

/**
 * Answers an export request: every region asked at once (each within the router's timeout),
 * then the rows written region by region as they are made, never the whole file at once.
 */
export async function sendThreeW(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
  ctx: GatewayContext,
  threshold: number,
  timeoutMs: number,
): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") return sendError(res, 405, "METHOD_NOT_ALLOWED", "the 3W export is read with GET");
  const request = exportRequest(url, ctx.caller, ctx.registry);
  const national = ctx.national!;
  const variables = { from: request.period.start, to: request.period.end, lang: LANGS[request.lang] };
  const answers = await Promise.all(
    request.regions.map(async (code) => {
      // One deadline for the region's whole answer: its rows, then its organisations' names,
      // are two fetches, each within the router's timeout.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
      const result = await Promise.race([national(QUERY, { ...variables, code }), late]).finally(() => clearTimeout(timer));
      const region = result?.data?.region as RegionReach | null | undefined;
      // Any error leaves a region out: an organisation's name missing (its volunteers
      // subgraph down) would merge its rows under no name.
      return region?.reach && !result?.errors?.length ? region : { code, missing: true as const };
    }),
  );
  const missing = answers.filter((a): a is { code: string; missing: true } => "missing" in a).map((a) => a.code);
  const name = `3w-${request.period.start}-${request.period.end}`;
  res.writeHead(200, {
    "content-type": request.format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
    "content-disposition": `attachment; filename="${name}.${request.format}"`,
    "cache-control": "no-store",
    [MISSING_HEADER]: missing.join(","),
  });
  if (req.method === "HEAD") return void res.end();
  const lines = function* () {
    if (request.format === "csv") {
      // A byte-order mark: Excel on Windows reads UTF-8 without one as cp1251 (Cyrillic garbled).
      yield "\uFEFF";
      yield csvLine(THREE_W_COLUMNS.map(([header]) => header));
      yield csvLine(THREE_W_COLUMNS.map(([, tag]) => tag));
    } else {
      yield `{"regionsMissing":${JSON.stringify(missing)},"rows":[`;
    }
    let first = true;
    for (const answer of answers) {
      if ("missing" in answer) continue;
      for (const row of rowsOf(answer, request, threshold)) {
        yield request.format === "csv" ? csvLine(THREE_W_COLUMNS.map(([, tag]) => row[tag])) : `${first ? "" : ","}${JSON.stringify(row)}`;
        first = false;
      }
    }
    if (request.format === "json") yield "]}";
  };
  for (const line of lines()) {
    // A client that has gone gets nothing more.
    if (!(await write(res, line))) return;
  }
  res.end();
}
