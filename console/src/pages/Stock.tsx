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
import { STOCK, type StockData } from "./stock/types";
import { LowStock, WarehouseStock } from "./stock/Warehouses";
import "../ui/workspace.css";

export function Stock() {
  const { t, i18n } = useTranslation("stock");
  const region = useClaims().region!;
  const [result, refetch] = useQuery<StockData>({ query: STOCK, variables: { region, lang: graphLanguage(i18n.language) } });
  const errors = graphErrors(result.error);
  const data = result.data?.region;
  const warehouses = data?.warehouses?.nodes ?? [];
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
      <RegionBanner errors={errors} />
      <QueryErrors errors={errors} />
      {result.fetching && !data && <p role="status">{t("common:loading")}</p>}
      {data && (
        <>
          <LowStock warehouses={warehouses} />
          <h2>{t("warehouses")}</h2>
          <div className="grid">
            {warehouses.map((w) => (
              <WarehouseStock key={w.id} warehouse={w} />
            ))}
          </div>
          <div className="grid">
            <DistributionForm region={region} warehouses={warehouses} onDone={reload} />
            <DonationForm warehouses={warehouses} onDone={reload} />
          </div>
          <TransferForm region={region} regions={result.data?.regions ?? []} warehouses={warehouses} onDone={reload} />
          <TransferList side="incoming" region={region} transfers={data.incomingTransfers?.nodes} onDone={reload} />
          <TransferList side="outgoing" region={region} transfers={data.outgoingTransfers?.nodes} onDone={reload} />
        </>
      )}
    </>
  );
}
