// Stock of one item across the regions, as bars: where a kit runs short reads faster as a
// picture than as twenty numbers. The same figures are in a table for screen readers.
import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import type { RegionRow } from "./types";

const BAR_HEIGHT = 18;
const GAP = 6;
const LABEL_WIDTH = 220;
const CHART_WIDTH = 640;

export function StockChart({ regions, items }: { regions: RegionRow[]; items: readonly string[] }) {
  const { t, i18n } = useTranslation("overview");
  const format = (n: number) => n.toLocaleString(i18n.language);
  const [item, setItem] = useState(items[0]);
  const id = useId();
  const bars = regions
    .map((r) => ({ code: r.code, name: r.name, quantity: r.stock?.find((s) => s.item === item)?.quantity }))
    .sort((a, b) => (b.quantity ?? -1) - (a.quantity ?? -1));
  const max = Math.max(1, ...bars.map((b) => b.quantity ?? 0));
  const height = bars.length * (BAR_HEIGHT + GAP);
  const title = t("chartTitle", { item: t(`common:Item.${item}`) });
  return (
    <figure className="panel chart">
      <figcaption id={`${id}-title`}>
        <h2>{t("chartHeading")}</h2>
      </figcaption>
      <div className="field">
        <label htmlFor={`${id}-item`}>{t("chartItem")}</label>
        <select id={`${id}-item`} value={item} onChange={(e) => setItem(e.target.value)}>
          {items.map((i) => (
            <option key={i} value={i}>
              {t(`common:Item.${i}`)}
            </option>
          ))}
        </select>
      </div>
      <table className="visually-hidden">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{t("region")}</th>
            <th scope="col">{t("common:Item." + item)}</th>
          </tr>
        </thead>
        <tbody>
          {bars.map((b) => (
            <tr key={b.code}>
              <th scope="row">{b.name}</th>
              <td>{b.quantity === undefined ? "—" : format(b.quantity)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <svg aria-hidden="true" focusable="false" viewBox={`0 0 ${CHART_WIDTH} ${height}`} width="100%" preserveAspectRatio="xMinYMin meet">
        {bars.map((b, i) => {
          const y = i * (BAR_HEIGHT + GAP);
          const width = b.quantity === undefined ? 0 : ((CHART_WIDTH - LABEL_WIDTH - 60) * b.quantity) / max;
          return (
            <g key={b.code}>
              <text x={0} y={y + BAR_HEIGHT - 4}>
                {b.name}
              </text>
              <rect className="bar" x={LABEL_WIDTH} y={y} width={width} height={BAR_HEIGHT} />
              <text x={LABEL_WIDTH + width + 6} y={y + BAR_HEIGHT - 4}>
                {b.quantity === undefined ? "—" : format(b.quantity)}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
