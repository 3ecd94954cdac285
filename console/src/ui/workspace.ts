// What the region's working pages (hotline, households, stock, events) share: the graph's
// enumerations they offer, form values, whole numbers and dates as typed and read, item labels,
// and one retry-safe submission for every create.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import type { OperationResult } from "urql";
import { graphErrors, type GraphError } from "../graph";
import { useAction } from "./forms";

/** Most urgent first, the queue's order. */
export const URGENCIES = ["CRITICAL", "HIGH", "NORMAL", "LOW"] as const;
export const ITEMS = ["FOOD_KIT", "HYGIENE_KIT", "MASK", "CLOTHING", "MEDICINE", "BLANKET", "WATER"] as const;
export const NEEDS = [
  "FOOD",
  "MEDICINE",
  "CLOTHING",
  "HYGIENE",
  "SHELTER",
  "LEGAL_AID",
  "PSYCHOLOGICAL_SUPPORT",
  "TRANSPORT",
  "INFORMATION",
] as const;

/** A page's t(), for helpers that label what the graph returns. */
export type Translate = (key: string, options?: Record<string, unknown>) => string;

export interface ItemQuantity {
  item: string;
  quantity: number;
}

/**
 * Reads again every `everyMs` while the tab is visible, and when it comes back into view: a
 * queue or a list of assignments changes under the page (another operator, another region).
 */
export function useRefreshWhileOpen(refresh: () => void, everyMs = 60_000): void {
  useEffect(() => {
    const visible = () => document.visibilityState === "visible";
    const timer = setInterval(() => visible() && refresh(), everyMs);
    const onShow = () => visible() && refresh();
    document.addEventListener("visibilitychange", onShow);
    return () => {
      clearInterval(timer);
      document.removeEventListener("visibilitychange", onShow);
    };
  }, [refresh, everyMs]);
}

/** A value that settles `ms` after its last change (a search typed letter by letter asks once). */
export function useDebounced<T>(value: T, ms = 300): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

/** A form's values, one setter per field; `reset` starts again, keeping the values in `keep`. */
export function useFormValues<T extends object>(initial: T) {
  const [values, setValues] = useState(initial);
  const set =
    <K extends keyof T>(field: K) =>
    (value: T[K]) =>
      setValues((v) => ({ ...v, [field]: value }));
  return { values, set, reset: (keep: Partial<T> = {}) => setValues({ ...initial, ...keep }) };
}

/** A number typed in a field, or null when empty (the graph then says what is missing). */
export const typedNumber = (text: string): number | null => (text.trim() === "" ? null : Number(text));

/**
 * A date (and time) in the reader's language; a browser without that language's calendar data
 * (some builds have English only) shows 05.12.2026, 19:33 rather than English month names.
 */
function formatDate(iso: string, lng: string, withTime: boolean): string {
  const at = new Date(iso);
  if (Intl.DateTimeFormat.supportedLocalesOf([lng]).length)
    return new Intl.DateTimeFormat(lng, withTime ? { dateStyle: "medium", timeStyle: "short" } : { dateStyle: "medium" }).format(at);
  const two = (n: number) => String(n).padStart(2, "0");
  const day = `${two(at.getDate())}.${two(at.getMonth() + 1)}.${at.getFullYear()}`;
  return withTime ? `${day}, ${two(at.getHours())}:${two(at.getMinutes())}` : day;
}

export const dateTime = (iso: string | null | undefined, lng: string): string => (iso ? formatDate(iso, lng, true) : "");
export const date = (iso: string, lng: string): string => formatDate(iso, lng, false);

/** dateTime in the console's language now. */
export function useDateTime(): (iso: string) => string {
  const { i18n } = useTranslation();
  return (iso) => dateTime(iso, i18n.language);
}

/** The graph's messages name items as the enum does: the page shows their labels instead. */
export function withItemLabels(error: GraphError, t: Translate): GraphError {
  return {
    ...error,
    message: error.message.replace(/\b[A-Z][A-Z_]+[A-Z]\b/g, (word) => (ITEMS.includes(word as never) ? t(`common:Item.${word}`) : word)),
  };
}

/** Items as "Food kit × 2, Water × 10". */
export const itemsText = (items: ItemQuantity[], t: Translate): string =>
  items.map((i) => `${t(`common:Item.${i.item}`)} × ${i.quantity}`).join(", ");

/** A fresh key (getRandomValues works where randomUUID does not: plain http off localhost). */
const newKey = (): string => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");

/**
 * The graph's refusal of the key itself (its message names `idempotencyKey` first): the key made
 * a record from other values (or one since erased or gone), so it can make nothing more. "Retry
 * shortly" is a claim still being written: the same key is right then.
 */
const isSpentKey = (e: GraphError): boolean => /^idempotencyKey:/.test(e.message) && !/retry shortly/.test(e.message);

/** No answer, or none in time: the region may have stored the create all the same. */
const isUnanswered = (e: GraphError): boolean => e.code === "NETWORK" || e.code === "REGION_UNAVAILABLE";

type Note = "recorded" | "unanswered";

/**
 * A create that must be stored once (useAction's errors, and one idempotency key per
 * submission). The key is kept until the graph has stored the create: a region that answers
 * too late (REGION_UNAVAILABLE) may have stored it, and the same values sent again with the
 * same key are then that record, not a second one; a create the graph refused frees its key,
 * so the corrected values may take it. Values changed after a late answer meet the stored
 * record under that key (CONFLICT): the person is told it was recorded, `onRecorded` reads the
 * page again so they see it, and only then does a new key start, for a new submission.
 * `done` is what the last successful submission returned.
 */
export function useSubmission<D>(fields: readonly string[], onRecorded: () => void) {
  const { t } = useTranslation();
  const action = useAction<D>(fields);
  const [key, setKey] = useState(newKey);
  const [note, setNote] = useState<Note | null>(null);
  const [done, setDone] = useState<D | null>(null);

  async function run(send: (idempotencyKey: string) => Promise<OperationResult<D>>): Promise<D | undefined> {
    setNote(null);
    setDone(null);
    let errors: GraphError[] = [];
    const data = await action.run(async () => {
      const result = await send(key);
      errors = graphErrors(result.error);
      return result;
    });
    const spent = errors.some(isSpentKey);
    setNote(spent ? "recorded" : errors.some(isUnanswered) ? "unanswered" : null);
    if (data) setDone(data);
    if (spent) onRecorded();
    if (data || spent) setKey(newKey());
    return data;
  }

  // The key's refusal and a missing answer are said in the person's words (the graph's text
  // names only the key, or the region and its transport error).
  const formErrors: GraphError[] = [
    ...action.formErrors.filter((e) => !isSpentKey(e) && !(note === "unanswered" && isUnanswered(e))),
    ...(note ? [{ message: t(`submission.${note}`), code: note }] : []),
  ];
  return { busy: action.busy, fieldErrors: action.fieldErrors, formErrors, done, run };
}
