// The region's warehouses and what each holds, items below their threshold marked in words.
import { useTranslation } from "react-i18next";
import { TableHead } from "../../ui/panels";
import { ITEMS } from "../../ui/workspace";
import type { Warehouse } from "./types";

const quantityOf = (list: Array<{ item: string; quantity: number }>, item: string) => list.find((q) => q.item === item)?.quantity;

export function LowStock({ warehouses }: { warehouses: Warehouse[] }) {
  const { t } = useTranslation("stock");
  const low = warehouses.flatMap((w) => w.lowStock.map((l) => ({ warehouse: w.name, ...l })));
  return (
    <section className="panel" aria-labelledby="low-title">
      <h2 id="low-title">{t("low.title")}</h2>
      {low.length === 0 ? (
        <p className="muted">{t("low.none")}</p>
      ) : (
        <ul>
          {low.map((l) => (
            <li key={`${l.warehouse}:${l.item}`}>
              {t("low.line", { warehouse: l.warehouse, item: t(`common:Item.${l.item}`), quantity: l.quantity, threshold: l.threshold })}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function WarehouseStock({ warehouse }: { warehouse: Warehouse }) {
  const { t } = useTranslation("stock");
  const titleId = `warehouse-${warehouse.id.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  const low = new Set(warehouse.lowStock.map((l) => l.item));
  return (
    <section className="panel" aria-labelledby={titleId}>
      <h3 id={titleId}>{warehouse.name}</h3>
      {warehouse.address && <p className="muted">{warehouse.address}</p>}
      <table aria-labelledby={titleId}>
        <TableHead columns={[t("item"), { num: t("inStock") }, { num: t("threshold") }, t("level")]} />
        <tbody>
          {ITEMS.map((item) => (
            <tr key={item} className={low.has(item) ? "ws-low-row" : undefined}>
              <th scope="row">{t(`common:Item.${item}`)}</th>
              <td className="num" data-testid={`stock-${item}`}>
                {quantityOf(warehouse.stock, item) ?? 0}
              </td>
              <td className="num">{quantityOf(warehouse.thresholds, item) ?? ""}</td>
              <td className={low.has(item) ? "ws-low" : undefined}>
                {low.has(item) ? t("levelLow") : quantityOf(warehouse.thresholds, item) !== undefined ? t("levelOk") : ""}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
