// Transfers into and out of the region. The destination decides: its staff receive what came,
// and the source may cancel what has not been received yet (asked once more: it cannot be undone).
import { useEffect, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { useMutation } from "urql";
import { ActionError, useAction } from "../../ui/forms";
import { TableHead } from "../../ui/panels";
import { dateTime, itemsText } from "../../ui/workspace";
import type { Transfer, TransferEnd } from "./types";

const RECEIVE = `mutation ConsoleReceiveTransfer($id: ID!, $region: String!) { receiveTransfer(id: $id, region: $region) { id status } }`;
const CANCEL = `mutation ConsoleCancelTransfer($id: ID!) { cancelTransfer(id: $id) { id status cancelRequestedAt } }`;

const OPEN = new Set(["REQUESTED", "IN_TRANSIT"]);

interface ListProps {
  side: "incoming" | "outgoing";
  region: string;
  transfers: Transfer[] | undefined;
  onDone: () => void;
}

export function TransferList({ side, region, transfers, onDone }: ListProps) {
  const { t, i18n } = useTranslation("stock");
  const heading = useRef<HTMLHeadingElement>(null);
  const end = (e: TransferEnd) => `${e.region.name}${e.warehouseName ? ` — ${e.warehouseName}` : ""}`;
  // The row's button goes once the transfer is received or cancelled: the reader stays at the list.
  const acted = () => {
    heading.current?.focus();
    onDone();
  };
  return (
    <section className="panel" aria-labelledby={`${side}-title`}>
      <h2 id={`${side}-title`} ref={heading} tabIndex={-1}>
        {t(`${side}.title`)}
      </h2>
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
                  {OPEN.has(tr.status) &&
                    !tr.cancelRequestedAt &&
                    (side === "incoming" ? (
                      <ReceiveTransfer region={region} transfer={tr} onDone={acted} />
                    ) : (
                      <CancelTransfer transfer={tr} onDone={acted} />
                    ))}
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

interface ActionProps {
  transfer: Transfer;
  onDone: () => void;
}

function ReceiveTransfer({ region, transfer, onDone }: ActionProps & { region: string }) {
  const { t } = useTranslation("stock");
  const [, receive] = useMutation(RECEIVE);
  const action = useAction();
  async function act() {
    if (await action.run(() => receive({ id: transfer.id, region }))) onDone();
  }
  return (
    <>
      <button type="button" disabled={action.busy} onClick={() => void act()}>
        {t("incoming.receive")}
        <span className="visually-hidden"> {itemsText(transfer.items, t)}</span>
      </button>
      <ActionError errors={action.formErrors} />
    </>
  );
}

/** The first click only asks; Confirm cancels, Keep goes back to the row's button. */
function CancelTransfer({ transfer, onDone }: ActionProps) {
  const { t } = useTranslation("stock");
  const [, cancel] = useMutation(CANCEL);
  const action = useAction();
  const [asking, setAsking] = useState(false);
  const question = useId();
  const start = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false);
  const items = itemsText(transfer.items, t);
  useEffect(() => {
    if (asking || !refocus.current) return;
    refocus.current = false;
    start.current?.focus();
  }, [asking]);
  async function confirm() {
    if (await action.run(() => cancel({ id: transfer.id }))) onDone();
  }
  const keep = () => {
    action.reset();
    refocus.current = true;
    setAsking(false);
  };
  return (
    <>
      {!asking ? (
        <button type="button" ref={start} onClick={() => setAsking(true)}>
          {t("outgoing.cancel")}
          <span className="visually-hidden"> {items}</span>
        </button>
      ) : (
        <div role="group" aria-labelledby={question}>
          <p id={question}>{t("outgoing.confirmText", { items })}</p>
          <div className="toolbar">
            <button type="button" className="ws-danger" disabled={action.busy} onClick={() => void confirm()} autoFocus>
              {t("outgoing.confirm")}
            </button>
            <button type="button" onClick={keep}>
              {t("outgoing.keep")}
            </button>
          </div>
        </div>
      )}
      <ActionError errors={action.formErrors} />
    </>
  );
}
