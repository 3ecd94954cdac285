// Stock of the signed-in staff member's region: what each warehouse holds and what runs low,
// donations in, aid out to households, and transfers to and from other regions.
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { graphErrors } from "../graph";
import { graphLanguage } from "../i18n";
import { useClaims } from "../session";
import { QueryErrors, RegionBanner } from "../ui/banners";
import { DistributionForm } from "./stock/DistributionForm";
import { DonationForm } from "./stock/DonationForm";
import { TransferForm } from "./stock/TransferForm";
import { TransferList } from "./stock/Transfers";
import { STOCK, type StockData, type Warehouse } from "./stock/types";
import { LowStock, WarehouseStock } from "./stock/Warehouses";
import "../ui/workspace.css";

export function Stock() {
  const { t, i18n } = useTranslation("stock");
  const region = useClaims().region!;
  const [result, refetch] = useQuery<StockData>({ query: STOCK, variables: { region, lang: graphLanguage(i18n.language) } });
  const errors = graphErrors(result.error);
  const data = result.data?.region;
  // Null when the region did not answer: nothing below may then read as empty or low.
  const warehouses = data?.warehouses?.nodes;
  // After every change the page shows the stock as stored.
  const reload = () => refetch({ requestPolicy: "network-only" });
  return (
    <>
      <div className="toolbar">
        <h1>{data ? t("titleOf", { region: data.name }) : t("title")}</h1>
        {/* Transfers arrive and other desks hand out stock while the page is open. */}
        <button type="button" onClick={reload} disabled={result.fetching}>
          {t("common:refresh")}
        </button>
      </div>
      <RegionBanner errors={errors} own />
      <QueryErrors errors={errors} />
      {result.fetching && !data && <p role="status">{t("common:loading")}</p>}
      {data && warehouses && (
        <>
          <LowStock warehouses={warehouses} />
          <WarehouseList warehouses={warehouses} />
          {/* Every form moves stock of a warehouse: without one there is nothing to fill in. */}
          {warehouses.length > 0 && (
            <>
              <div className="grid">
                <DistributionForm region={region} warehouses={warehouses} onDone={reload} />
                <DonationForm warehouses={warehouses} onDone={reload} />
              </div>
              <TransferForm region={region} regions={result.data?.regions ?? []} warehouses={warehouses} onDone={reload} />
            </>
          )}
          <TransferList side="incoming" region={region} transfers={data.incomingTransfers?.nodes} onDone={reload} />
          <TransferList side="outgoing" region={region} transfers={data.outgoingTransfers?.nodes} onDone={reload} />
        </>
      )}
    </>
  );
}

function WarehouseList({ warehouses }: { warehouses: Warehouse[] }) {
  const { t } = useTranslation("stock");
  return (
    <section aria-labelledby="warehouses-title">
      <h2 id="warehouses-title">{t("warehouses")}</h2>
      {warehouses.length === 0 ? (
        <p className="muted">{t("warehousesNone")}</p>
      ) : (
        <div className="grid">
          {warehouses.map((w) => (
            <WarehouseStock key={w.id} warehouse={w} />
          ))}
        </div>
      )}
    </section>
  );
}
