// Receiving a donation into a warehouse: one item per submission, from a person (whose name
// stays with the region's staff) or an organisation.
import { useTranslation } from "react-i18next";
import { useMutation } from "urql";
import { Select, TextField } from "../../ui/inputs";
import { FormPanel, SubmitBar } from "../../ui/panels";
import { itemsText, typedNumber } from "../../ui/workspace";
import { useStockForm } from "./form";
import { ItemFields, WarehouseSelect } from "./parts";
import { DONOR_KINDS, type StockFormProps } from "./types";

const RECEIVE = `
  mutation ConsoleReceiveDonation($input: ReceiveDonationInput!) {
    receiveDonation(input: $input) { id items { item quantity } warehouse { id name } }
  }
`;

interface Received {
  receiveDonation: { id: string; items: Array<{ item: string; quantity: number }>; warehouse: { name: string } };
}

const FIELDS = ["warehouseId", "donor", "donorKind", "items", "quantity"];

// No kind is chosen for the person: a private donor's name taken for an organisation's would be
// shown beyond the region's staff, so the graph refuses a donation whose kind was not chosen.
const EMPTY = { warehouseId: "", item: "FOOD_KIT", quantity: "", donor: "", donorKind: "" };

export function DonationForm({ warehouses, onDone }: Omit<StockFormProps, "region">) {
  const { t } = useTranslation("stock");
  const form = useStockForm<typeof EMPTY, Received>(EMPTY, FIELDS, onDone);
  const { values, set, field, errors } = form;
  const done = form.done?.receiveDonation;
  const input = {
    warehouseId: values.warehouseId,
    items: [{ item: values.item, quantity: typedNumber(values.quantity) }],
    donor: values.donor,
    donorKind: values.donorKind || null,
  };
  const [, receive] = useMutation<Received>(RECEIVE);

  return (
    <FormPanel title={t("donation.title")} onSubmit={() => form.send((idempotencyKey) => receive({ input: { ...input, idempotencyKey } }))}>
      <WarehouseSelect label={t("warehouse")} warehouses={warehouses} {...field("warehouseId")} />
      <ItemFields values={values} set={set} error={errors.quantity} />
      <div className="row ws-fields">
        <TextField label={t("donation.donor")} {...field("donor")} />
        <Select
          label={t("donation.donorKind")}
          help={t("donation.donorKindHelp")}
          values={DONOR_KINDS}
          labelOf={(k) => t(`DonorKind.${k}`)}
          empty={t("donation.chooseKind")}
          {...field("donorKind")}
        />
      </div>
      <SubmitBar
        label={t("donation.submit")}
        busy={form.busy}
        errors={errors.rest}
        done={done ? t("donation.done", { items: itemsText(done.items, t), warehouse: done.warehouse.name }) : null}
      />
    </FormPanel>
  );
}
