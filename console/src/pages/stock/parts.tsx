// Inputs every stock form has: a warehouse of the region, an item, a quantity.
import { useTranslation } from "react-i18next";
import { Field } from "../../ui/forms";
import { ITEMS } from "../households/workspace";
import type { Warehouse } from "./types";

interface SelectProps {
  value: string;
  onChange: (value: string) => void;
  error?: string;
}

export function WarehouseSelect({
  warehouses,
  label,
  ...props
}: SelectProps & { warehouses: Array<Pick<Warehouse, "id" | "name">>; label: string }) {
  const { t } = useTranslation("stock");
  return (
    <Field label={label} error={props.error}>
      {(p) => (
        <select {...p} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
          <option value="">{t("chooseWarehouse")}</option>
          {warehouses.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function ItemSelect(props: SelectProps) {
  const { t } = useTranslation("stock");
  return (
    <Field label={t("item")} error={props.error}>
      {(p) => (
        <select {...p} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
          {ITEMS.map((item) => (
            <option key={item} value={item}>
              {t(`common:Item.${item}`)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function QuantityInput(props: SelectProps) {
  const { t } = useTranslation("stock");
  return (
    <Field label={t("quantity")} error={props.error}>
      {(p) => <input {...p} type="number" min={1} step={1} value={props.value} onChange={(e) => props.onChange(e.target.value)} />}
    </Field>
  );
}
