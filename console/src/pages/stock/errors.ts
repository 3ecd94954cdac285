// Where a stock refusal is shown: not enough stock or entitlement is about the quantity asked
// for, so it sits by that field; items in the graph's words are shown by their labels.
import type { ActionState } from "../../ui/forms";
import { withItemLabels, type Translate } from "../households/workspace";

const ABOUT_QUANTITY = new Set(["INSUFFICIENT_STOCK", "ENTITLEMENT_EXCEEDED"]);

export function stockErrors(action: ActionState, t: Translate) {
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
