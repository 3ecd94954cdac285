// Inputs every stock form has: a warehouse of the region, an item and its quantity.
import { useTranslation } from "react-i18next";
import { Select, TextField } from "../../ui/inputs";
import { ITEMS } from "../../ui/workspace";
import type { Warehouse } from "./types";

interface WarehouseProps {
  label: string;
  warehouses: Array<Pick<Warehouse, "id" | "name">>;
  value: string;
  onChange: (id: string) => void;
  error?: string;
}

export function WarehouseSelect({ label, warehouses, value, onChange, error }: WarehouseProps) {
  const { t } = useTranslation("stock");
  const names = new Map(warehouses.map((w) => [w.id, w.name]));
  return (
    <Select
      label={label}
      value={value}
      values={[...names.keys()]}
      labelOf={(id) => names.get(id)!}
      onChange={onChange}
      empty={t("chooseWarehouse")}
      error={error}
    />
  );
}

interface ItemProps {
  values: { item: string; quantity: string };
  set: (field: "item" | "quantity") => (value: string) => void;
  /** The graph's refusal of the quantity (or of the items). */
  error?: string;
}

export function ItemFields({ values, set, error }: ItemProps) {
  const { t } = useTranslation("stock");
  return (
    <div className="row ws-fields">
      <Select label={t("item")} value={values.item} values={ITEMS} labelOf={(item) => t(`common:Item.${item}`)} onChange={set("item")} />
      <TextField label={t("quantity")} type="number" min={1} step={1} value={values.quantity} onChange={set("quantity")} error={error} />
    </div>
  );
}
