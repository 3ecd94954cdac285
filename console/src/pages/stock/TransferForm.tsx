// Sending stock to a warehouse of another region: it leaves this warehouse at once and reaches
// the other region's records as soon as that region can be reached.
import { useTranslation } from "react-i18next";
import { useMutation, useQuery } from "urql";
import { graphErrors } from "../../graph";
import { Select } from "../../ui/inputs";
import { FormPanel, SubmitBar } from "../../ui/panels";
import { itemsText, typedNumber } from "../../ui/workspace";
import { useStockForm } from "./form";
import { ItemFields, WarehouseSelect } from "./parts";
import type { StockFormProps, Warehouse } from "./types";

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

export function TransferForm({ region, regions, warehouses, onDone }: StockFormProps & { regions: Array<{ code: string; name: string }> }) {
  const { t, i18n } = useTranslation("stock");
  const form = useStockForm<typeof EMPTY, Transferred>(EMPTY, FIELDS, onDone);
  const { values, set, field, errors } = form;
  const done = form.done?.transferStock;
  const [destinations] = useQuery<{ region: { warehouses: { nodes: Warehouse[] } | null } | null }>({
    query: DESTINATIONS,
    variables: { region: values.toRegion },
    pause: !values.toRegion,
  });
  const [, transfer] = useMutation<Transferred>(TRANSFER);
  const others = regions.filter((r) => r.code !== region).sort((a, b) => a.name.localeCompare(b.name, i18n.language));
  const names = new Map(others.map((r) => [r.code, r.name]));
  const destinationErrors = graphErrors(destinations.error);

  const input = {
    fromWarehouseId: values.fromWarehouseId,
    toWarehouseId: values.toWarehouseId,
    items: [{ item: values.item, quantity: typedNumber(values.quantity) }],
  };

  return (
    <FormPanel
      title={t("transfer.title")}
      onSubmit={() => form.send((idempotencyKey) => transfer({ input: { ...input, idempotencyKey } }))}
    >
      <WarehouseSelect label={t("transfer.from")} warehouses={warehouses} {...field("fromWarehouseId")} />
      <div className="row ws-fields">
        <Select
          label={t("transfer.toRegion")}
          value={values.toRegion}
          values={[...names.keys()]}
          labelOf={(code) => names.get(code)!}
          onChange={(code) => {
            set("toRegion")(code);
            set("toWarehouseId")("");
          }}
          empty={t("transfer.chooseRegion")}
        />
        <WarehouseSelect
          label={t("transfer.to")}
          warehouses={destinations.data?.region?.warehouses?.nodes ?? []}
          {...field("toWarehouseId")}
          error={errors.field("toWarehouseId") ?? destinationErrors[0]?.message}
        />
      </div>
      <ItemFields values={values} set={set} error={errors.quantity} />
      <SubmitBar
        label={t("transfer.submit")}
        busy={form.busy}
        errors={errors.rest}
        done={done ? t("transfer.done", { items: itemsText(done.items, t), status: t(`TransferStatus.${done.status}`) }) : null}
      />
    </FormPanel>
  );
}
