// Receiving a donation into a warehouse: one item per submission, from a person (whose name
// stays with the region's staff) or an organisation.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useMutation } from "urql";
import { ActionError, Field, useAction } from "../../ui/forms";
import { itemsText, useFormValues, useIdempotencyKey, wholeNumber } from "../households/workspace";
import { stockErrors } from "./errors";
import { ItemSelect, QuantityInput, WarehouseSelect } from "./parts";
import { DONOR_KINDS, type Warehouse } from "./types";

const RECEIVE = `
  mutation ConsoleReceiveDonation($input: ReceiveDonationInput!) {
    receiveDonation(input: $input) { id items { item quantity } warehouse { id name } }
  }
`;

interface Received {
  receiveDonation: { id: string; items: Array<{ item: string; quantity: number }>; warehouse: { name: string } };
}

const FIELDS = ["warehouseId", "donor", "donorKind", "items", "quantity"];

const EMPTY = { warehouseId: "", item: "FOOD_KIT", quantity: "", donor: "", donorKind: "ORGANISATION" };

export function DonationForm({ warehouses, onDone }: { warehouses: Warehouse[]; onDone: () => void }) {
  const { t } = useTranslation("stock");
  const { values, set, reset } = useFormValues(EMPTY);
  const [, receive] = useMutation<Received>(RECEIVE);
  const action = useAction<Received>(FIELDS);
  const keyed = useIdempotencyKey();
  const [done, setDone] = useState<Received["receiveDonation"] | null>(null);
  const errors = stockErrors(action, t);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    const input = {
      warehouseId: values.warehouseId,
      items: [{ item: values.item, quantity: wholeNumber(values.quantity) }],
      donor: values.donor,
      donorKind: values.donorKind,
    };
    const data = await action.run(() => keyed((idempotencyKey) => receive({ input: { ...input, idempotencyKey } })));
    if (!data?.receiveDonation) return;
    reset();
    setDone(data.receiveDonation);
    onDone();
  }

  return (
    <section className="panel" aria-labelledby="donation-title">
      <h2 id="donation-title">{t("donation.title")}</h2>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <WarehouseSelect
          label={t("warehouse")}
          warehouses={warehouses}
          value={values.warehouseId}
          onChange={set("warehouseId")}
          error={errors.field("warehouseId")}
        />
        <div className="row ws-fields">
          <ItemSelect value={values.item} onChange={set("item")} />
          <QuantityInput value={values.quantity} onChange={set("quantity")} error={errors.quantity} />
        </div>
        <div className="row ws-fields">
          <Field label={t("donation.donor")} error={errors.field("donor")}>
            {(p) => <input {...p} value={values.donor} onChange={(e) => set("donor")(e.target.value)} autoComplete="off" />}
          </Field>
          <Field label={t("donation.donorKind")} help={t("donation.donorKindHelp")} error={errors.field("donorKind")}>
            {(p) => (
              <select {...p} value={values.donorKind} onChange={(e) => set("donorKind")(e.target.value)}>
                {DONOR_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {t(`DonorKind.${k}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <div className="toolbar">
          <button type="submit" className="primary" disabled={action.busy}>
            {t("donation.submit")}
          </button>
        </div>
        <ActionError errors={errors.rest} />
        {done && (
          <p className="banner banner-ok" role="status">
            {t("donation.done", { items: itemsText(done.items, t), warehouse: done.warehouse.name })}
          </p>
        )}
      </form>
    </section>
  );
}
