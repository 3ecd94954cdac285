// How a stock form works: its values, one retry-safe submission (useSubmission), and where the
// graph's refusals show. Not enough stock or entitlement is about the quantity asked for, so it
// sits by that field; items in the graph's words are shown by their labels.
import { useTranslation } from "react-i18next";
import type { OperationResult } from "urql";
import type { ActionState } from "../../ui/forms";
import { useFormValues, useSubmission, withItemLabels, type Translate } from "../../ui/workspace";

const ABOUT_QUANTITY = new Set(["INSUFFICIENT_STOCK", "ENTITLEMENT_EXCEEDED"]);

function stockErrors(action: Pick<ActionState, "fieldErrors" | "formErrors">, t: Translate) {
  const byQuantity = action.formErrors.filter((e) => e.code && ABOUT_QUANTITY.has(e.code));
  const label = (message: string | undefined) => message && withItemLabels({ message }, t).message;
  return {
    field: (name: string) => label(action.fieldErrors[name]),
    quantity: label(action.fieldErrors.quantity ?? action.fieldErrors.items ?? byQuantity[0]?.message),
    /** The rest: by the action's button. */
    rest: action.formErrors.filter((e) => !byQuantity.includes(e)).map((e) => withItemLabels(e, t)),
    entitlementExceeded: byQuantity.some((e) => e.code === "ENTITLEMENT_EXCEEDED"),
  };
}

/** A stock form over `empty`'s fields, whose mutation answers D; `onDone` reads the stock again. */
export function useStockForm<T extends Record<string, string>, D>(empty: T, fields: readonly string[], onDone: () => void) {
  const { t } = useTranslation("stock");
  const { values, set, reset } = useFormValues(empty);
  const action = useSubmission<D>(fields, onDone);
  const errors = stockErrors(action, t);
  /** An input's props: its value, its setter and the graph's refusal of it. */
  const field = <K extends keyof T & string>(name: K) => ({ value: values[name], onChange: set(name), error: errors.field(name) });
  /** Sends the mutation; once stored, the form starts again (but for `keep`) and the page shows the stock as stored. */
  async function send(mutate: (idempotencyKey: string) => Promise<OperationResult<D>>, keep: Partial<T> = {}) {
    if (!(await action.run(mutate))) return;
    reset(keep);
    onDone();
  }
  return { values, set, field, errors, busy: action.busy, done: action.done, send };
}
