// Helpers the region workspace pages (households, stock, events) share.
import { useEffect, useState } from "react";
import type { OperationResult } from "urql";
import type { GraphError } from "../../graph";

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
 * One key per submission for a retry-safe mutation: a send that never got an answer (network)
 * keeps its key, so pressing the button again cannot write twice; any answer ends the
 * submission and the next one gets a new key.
 */
export function useIdempotencyKey() {
  const [key, setKey] = useState(() => crypto.randomUUID());
  async function keyed<D>(send: (key: string) => Promise<OperationResult<D>>): Promise<OperationResult<D>> {
    const result = await send(key);
    if (!result.error?.networkError) setKey(crypto.randomUUID());
    return result;
  }
  return keyed;
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

/** A form's values, one setter per field. */
export function useFormValues<T extends object>(initial: T) {
  const [values, setValues] = useState(initial);
  const set =
    <K extends keyof T>(field: K) =>
    (value: T[K]) =>
      setValues((v) => ({ ...v, [field]: value }));
  return { values, set, reset: () => setValues(initial) };
}

/** A whole number typed in a field, or null when empty (the graph then says what is missing). */
export const wholeNumber = (text: string): number | null => (text.trim() === "" ? null : Number(text));

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

/**
 * Field errors moved to the field a message begins with ("input.endsAt: must be after
 * startsAt" belongs to endsAt, though it names startsAt too and that name is longer).
 */
export function byLeadingField(fieldErrors: Record<string, string>, fields: readonly string[]): Record<string, string> {
  const moved: Record<string, string> = {};
  for (const [field, message] of Object.entries(fieldErrors)) {
    const leading = /^(?:invalid input: )?(?:input\.)?([A-Za-z.]+):/.exec(message)?.[1];
    const owner = leading && fields.includes(leading) ? leading : field;
    moved[owner] ??= message;
  }
  return moved;
}
