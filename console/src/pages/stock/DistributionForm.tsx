// Handing aid to a household: from a warehouse, to a household found by name or phone, delivered by a
// volunteer or not. Beyond the household's entitlement it takes a reason (an override).
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useMutation } from "urql";
import { ActionError, Field, useAction } from "../../ui/forms";
import { VolunteerPicker } from "../events/VolunteerPicker";
import { HouseholdPicker } from "../HouseholdPicker";
import { itemsText, useFormValues, useIdempotencyKey, wholeNumber } from "../households/workspace";
import { stockErrors } from "./errors";
import { ItemSelect, QuantityInput, WarehouseSelect } from "./parts";
import type { Warehouse } from "./types";

const DISTRIBUTE = `
  mutation ConsoleDistribute($input: DistributeAidInput!) {
    distributeAid(input: $input) { id items { item quantity } beneficiary { id fullName } }
  }
`;

interface Distributed {
  distributeAid: { id: string; items: Array<{ item: string; quantity: number }>; beneficiary: { fullName: string | null } | null };
}

const FIELDS = ["warehouseId", "beneficiaryId", "deliveredBy", "override.reason", "items", "quantity"];

const EMPTY = { warehouseId: "", beneficiaryId: "", item: "FOOD_KIT", quantity: "1", deliveredBy: "", overrideReason: "" };

interface FormProps {
  region: string;
  warehouses: Warehouse[];
  onDone: () => void;
}

export function DistributionForm({ region, warehouses, onDone }: FormProps) {
  const { t } = useTranslation("stock");
  const { values, set, reset } = useFormValues(EMPTY);
  const [, distribute] = useMutation<Distributed>(DISTRIBUTE);
  const action = useAction<Distributed>(FIELDS);
  const keyed = useIdempotencyKey();
  const [done, setDone] = useState<Distributed["distributeAid"] | null>(null);
  const errors = stockErrors(action, t);
  // Asked for once the graph has refused for the entitlement, and kept while it is filled in.
  const overriding = errors.entitlementExceeded || values.overrideReason !== "";

  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    const input = {
      warehouseId: values.warehouseId,
      beneficiaryId: values.beneficiaryId,
      items: [{ item: values.item, quantity: wholeNumber(values.quantity) }],
      deliveredBy: values.deliveredBy || null,
      ...(values.overrideReason.trim() ? { override: { reason: values.overrideReason } } : {}),
    };
    const data = await action.run(() => keyed((idempotencyKey) => distribute({ input: { ...input, idempotencyKey } })));
    if (!data?.distributeAid) return;
    reset();
    // The next hand-out is usually from the same warehouse.
    set("warehouseId")(values.warehouseId);
    setDone(data.distributeAid);
    onDone();
  }

  return (
    <section className="panel" aria-labelledby="distribute-title">
      <h2 id="distribute-title">{t("distribute.title")}</h2>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <WarehouseSelect
          label={t("warehouse")}
          warehouses={warehouses}
          value={values.warehouseId}
          onChange={set("warehouseId")}
          error={errors.field("warehouseId")}
        />
        <HouseholdPicker
          region={region}
          value={values.beneficiaryId}
          onChange={set("beneficiaryId")}
          error={errors.field("beneficiaryId")}
        />
        <div className="row ws-fields">
          <ItemSelect value={values.item} onChange={set("item")} />
          <QuantityInput value={values.quantity} onChange={set("quantity")} error={errors.quantity} />
        </div>
        {overriding && (
          <Field label={t("distribute.override")} help={t("distribute.overrideHelp")} error={errors.field("override.reason")}>
            {(p) => <input {...p} value={values.overrideReason} onChange={(e) => set("overrideReason")(e.target.value)} />}
          </Field>
        )}
        <VolunteerPicker
          region={region}
          label={t("distribute.deliveredBy")}
          noneLabel={t("distribute.nobody")}
          value={values.deliveredBy}
          onChange={set("deliveredBy")}
          error={errors.field("deliveredBy")}
        />
        <div className="toolbar">
          <button type="submit" className="primary" disabled={action.busy}>
            {t("distribute.submit")}
          </button>
        </div>
        <ActionError errors={errors.rest} />
        {done && (
          <p className="banner banner-ok" role="status">
            {t("distribute.done", { items: itemsText(done.items, t), household: done.beneficiary?.fullName ?? "" })}
          </p>
        )}
      </form>
    </section>
  );
}
