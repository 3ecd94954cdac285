// Withdrawing consent erases the household's personal data for good: the first button only
// asks, the second does it.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useMutation } from "urql";
import { ActionError, useAction } from "../../ui/forms";

const WITHDRAW = `mutation ConsoleWithdrawConsent($id: ID!) { withdrawConsent(id: $id) { id status } }`;

export function WithdrawConsent({ id, onWithdrawn }: { id: string; onWithdrawn: () => void }) {
  const { t } = useTranslation("households");
  const [asking, setAsking] = useState(false);
  const [, withdraw] = useMutation(WITHDRAW);
  const action = useAction();

  async function confirm() {
    if (await action.run(() => withdraw({ id }))) {
      setAsking(false);
      onWithdrawn();
    }
  }

  return (
    <div className="withdraw">
      <h3>{t("withdraw.title")}</h3>
      {!asking ? (
        <button type="button" onClick={() => setAsking(true)}>
          {t("withdraw.start")}
        </button>
      ) : (
        <div className="banner banner-warning" role="group" aria-labelledby="withdraw-warning">
          <p id="withdraw-warning">{t("withdraw.warning")}</p>
          <div className="toolbar">
            <button type="button" className="ws-danger" disabled={action.busy} onClick={() => void confirm()} autoFocus>
              {t("withdraw.confirm")}
            </button>
            <button
              type="button"
              onClick={() => {
                action.reset();
                setAsking(false);
              }}
            >
              {t("common:cancel")}
            </button>
          </div>
        </div>
      )}
      <ActionError errors={action.formErrors} />
    </div>
  );
}
