// Transfers into and out of the region. The destination decides: its staff receive what came,
// and the source may cancel what has not been received yet.
import { useTranslation } from "react-i18next";
import { useMutation } from "urql";
import { ActionError, useAction } from "../../ui/forms";
import { TableHead } from "../../ui/panels";
import { dateTime, itemsText } from "../../ui/workspace";
import type { Transfer, TransferEnd } from "./types";

const RECEIVE = `mutation ConsoleReceiveTransfer($id: ID!, $region: String!) { receiveTransfer(id: $id, region: $region) { id status } }`;
const CANCEL = `mutation ConsoleCancelTransfer($id: ID!) { cancelTransfer(id: $id) { id status cancelRequestedAt } }`;

const OPEN = new Set(["REQUESTED", "IN_TRANSIT"]);

type Side = "incoming" | "outgoing";

interface ListProps {
  side: Side;
  region: string;
  transfers: Transfer[] | undefined;
  onDone: () => void;
}

export function TransferList({ side, region, transfers, onDone }: ListProps) {
  const { t, i18n } = useTranslation("stock");
  const end = (e: TransferEnd) => `${e.region.name}${e.warehouseName ? ` — ${e.warehouseName}` : ""}`;
  return (
    <section className="panel" aria-labelledby={`${side}-title`}>
      <h2 id={`${side}-title`}>{t(`${side}.title`)}</h2>
      {transfers === undefined ? (
        <p className="muted">{t("transfersMissing")}</p>
      ) : transfers.length === 0 ? (
        <p className="muted">{t(`${side}.none`)}</p>
      ) : (
        <table>
          <TableHead
            columns={[
              t(side === "incoming" ? "transfer.fromRegion" : "transfer.toRegion"),
              t("items"),
              t("status"),
              t("requestedAt"),
              t("common:actions"),
            ]}
          />
          <tbody>
            {transfers.map((tr) => (
              <tr key={tr.id}>
                <td>{end(side === "incoming" ? tr.from : tr.to)}</td>
                <td>{itemsText(tr.items, t)}</td>
                <td>{statusText(tr, t)}</td>
                <td>{dateTime(tr.requestedAt, i18n.language)}</td>
                <td>
                  {OPEN.has(tr.status) && !tr.cancelRequestedAt && (
                    <TransferAction side={side} region={region} transfer={tr} onDone={onDone} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function statusText(tr: Transfer, t: (key: string) => string): string {
  const status = t(`TransferStatus.${tr.status}`);
  return tr.cancelRequestedAt && OPEN.has(tr.status) ? `${status}; ${t("cancelRequested")}` : status;
}

function TransferAction({ side, region, transfer, onDone }: { side: Side; region: string; transfer: Transfer; onDone: () => void }) {
  const { t } = useTranslation("stock");
  const [, receive] = useMutation(RECEIVE);
  const [, cancel] = useMutation(CANCEL);
  const action = useAction();
  const items = itemsText(transfer.items, t);
  async function act() {
    const sent = await action.run(() => (side === "incoming" ? receive({ id: transfer.id, region }) : cancel({ id: transfer.id })));
    if (sent) onDone();
  }
  return (
    <>
      <button type="button" disabled={action.busy} onClick={() => void act()}>
        {side === "incoming" ? t("incoming.receive") : t("outgoing.cancel")}
        <span className="visually-hidden"> {items}</span>
      </button>
      <ActionError errors={action.formErrors} />
    </>
  );
}
