// Handing aid to a household: from a warehouse, to a household found by name or phone, delivered by a
// volunteer or not. Beyond the household's entitlement it takes a reason (an override).
import { useTranslation } from "react-i18next";
import { useMutation } from "urql";
import { TextField } from "../../ui/inputs";
import { FormPanel, SubmitBar } from "../../ui/panels";
import { itemsText, typedNumber } from "../../ui/workspace";
import { VolunteerPicker } from "../events/VolunteerPicker";
import { HouseholdPicker } from "../HouseholdPicker";
import { useStockForm } from "./form";
import { ItemFields, WarehouseSelect } from "./parts";
import type { StockFormProps } from "./types";

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

export function DistributionForm({ region, warehouses, onDone }: StockFormProps) {
  const { t } = useTranslation("stock");
  const form = useStockForm<typeof EMPTY, Distributed>(EMPTY, FIELDS, onDone);
  const { values, set, field, errors } = form;
  const done = form.done?.distributeAid;
  // Asked for once the graph has refused for the entitlement, and kept while it is filled in.
  const overriding = errors.entitlementExceeded || values.overrideReason !== "";
  const input = {
    warehouseId: values.warehouseId,
    beneficiaryId: values.beneficiaryId,
    items: [{ item: values.item, quantity: typedNumber(values.quantity) }],
    deliveredBy: values.deliveredBy || null,
    ...(values.overrideReason.trim() ? { override: { reason: values.overrideReason } } : {}),
  };
  const [, distribute] = useMutation<Distributed>(DISTRIBUTE);
  // The next hand-out is usually from the same warehouse.
  const submit = () =>
    form.send((idempotencyKey) => distribute({ input: { ...input, idempotencyKey } }), { warehouseId: values.warehouseId });

  return (
    <FormPanel title={t("distribute.title")} onSubmit={submit}>
      <WarehouseSelect label={t("warehouse")} warehouses={warehouses} {...field("warehouseId")} />
      <HouseholdPicker region={region} {...field("beneficiaryId")} />
      <ItemFields values={values} set={set} error={errors.quantity} />
      {overriding && (
        <TextField
          label={t("distribute.override")}
          help={t("distribute.overrideHelp")}
          {...field("overrideReason")}
          error={errors.field("override.reason")}
        />
      )}
      <VolunteerPicker region={region} label={t("distribute.deliveredBy")} noneLabel={t("distribute.nobody")} {...field("deliveredBy")} />
      <SubmitBar
        label={t("distribute.submit")}
        busy={form.busy}
        errors={errors.rest}
        done={done ? t("distribute.done", { items: itemsText(done.items, t), household: done.beneficiary?.fullName ?? "" }) : null}
      />
    </FormPanel>
  );
}
