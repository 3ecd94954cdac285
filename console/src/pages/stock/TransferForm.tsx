// Sending stock to a warehouse of another region: it leaves this warehouse at once and reaches
// the other region's records as soon as that region can be reached.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { useMutation, useQuery } from "urql";
import { graphErrors } from "../../graph";
import { ActionError, Field, useAction } from "../../ui/forms";
import { itemsText, useFormValues, useIdempotencyKey, wholeNumber } from "../households/workspace";
import { stockErrors } from "./errors";
import { ItemSelect, QuantityInput, WarehouseSelect } from "./parts";
import type { Warehouse } from "./types";

const TRANSFER = `
  mutation ConsoleTransfer($input: TransferStockInput!) {
    transferStock(input: $input) { id status items { item quantity } }
  }
`;

const DESTINATIONS = `
  query ConsoleTransferDestinations($region: String!) {
    region(code: $region) { code warehouses(first: 100) { nodes { id name } } }
  }
`;

interface Transferred {
  transferStock: { id: string; status: string; items: Array<{ item: string; quantity: number }> };
}

const FIELDS = ["fromWarehouseId", "toWarehouseId", "items", "quantity"];

const EMPTY = { fromWarehouseId: "", toRegion: "", toWarehouseId: "", item: "FOOD_KIT", quantity: "" };

interface FormProps {
  region: string;
  regions: Array<{ code: string; name: string }>;
  warehouses: Warehouse[];
  onDone: () => void;
}

export function TransferForm({ region, regions, warehouses, onDone }: FormProps) {
  const { t, i18n } = useTranslation("stock");
  const { values, set, reset } = useFormValues(EMPTY);
  const [destinations] = useQuery<{ region: { warehouses: { nodes: Warehouse[] } | null } | null }>({
    query: DESTINATIONS,
    variables: { region: values.toRegion },
    pause: !values.toRegion,
  });
  const [, transfer] = useMutation<Transferred>(TRANSFER);
  const action = useAction<Transferred>(FIELDS);
  const keyed = useIdempotencyKey();
  const [done, setDone] = useState<Transferred["transferStock"] | null>(null);
  const errors = stockErrors(action, t);
  const others = regions.filter((r) => r.code !== region).sort((a, b) => a.name.localeCompare(b.name, i18n.language));
  const destinationErrors = graphErrors(destinations.error);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setDone(null);
    const input = {
      fromWarehouseId: values.fromWarehouseId,
      toWarehouseId: values.toWarehouseId,
      items: [{ item: values.item, quantity: wholeNumber(values.quantity) }],
    };
    const data = await action.run(() => keyed((idempotencyKey) => transfer({ input: { ...input, idempotencyKey } })));
    if (!data?.transferStock) return;
    reset();
    setDone(data.transferStock);
    onDone();
  }

  return (
    <section className="panel" aria-labelledby="transfer-title">
      <h2 id="transfer-title">{t("transfer.title")}</h2>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <WarehouseSelect
          label={t("transfer.from")}
          warehouses={warehouses}
          value={values.fromWarehouseId}
          onChange={set("fromWarehouseId")}
          error={errors.field("fromWarehouseId")}
        />
        <div className="row ws-fields">
          <Field label={t("transfer.toRegion")}>
            {(p) => (
              <select
                {...p}
                value={values.toRegion}
                onChange={(e) => {
                  set("toRegion")(e.target.value);
                  set("toWarehouseId")("");
                }}
              >
                <option value="">{t("transfer.chooseRegion")}</option>
                {others.map((r) => (
                  <option key={r.code} value={r.code}>
                    {r.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <WarehouseSelect
            label={t("transfer.to")}
            warehouses={destinations.data?.region?.warehouses?.nodes ?? []}
            value={values.toWarehouseId}
            onChange={set("toWarehouseId")}
            error={errors.field("toWarehouseId") ?? destinationErrors[0]?.message}
          />
        </div>
        <div className="row ws-fields">
          <ItemSelect value={values.item} onChange={set("item")} />
          <QuantityInput value={values.quantity} onChange={set("quantity")} error={errors.quantity} />
        </div>
        <div className="toolbar">
          <button type="submit" className="primary" disabled={action.busy}>
            {t("transfer.submit")}
          </button>
        </div>
        <ActionError errors={errors.rest} />
        {done && (
          <p className="banner banner-ok" role="status">
            {t("transfer.done", { items: itemsText(done.items, t), status: t(`TransferStatus.${done.status}`) })}
          </p>
        )}
      </form>
    </section>
  );
}
