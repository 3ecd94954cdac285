// One household: what it needs, its help requests, the aid it received, and its consent
// (withdrawing it erases the personal data, so it takes a second, explicit step).
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { graphErrors } from "../../graph";
import { QueryErrors } from "../../ui/banners";
import type { HouseholdDetailData } from "./types";
import { WithdrawConsent } from "./WithdrawConsent";
import { TableHead } from "../../ui/panels";
import { dateTime, itemsText } from "../../ui/workspace";

const HOUSEHOLD = `
  query ConsoleHousehold($id: ID!) {
    beneficiary(id: $id) {
      id fullName householdSize phone address vulnerabilities needs status registeredAt
      possibleDuplicateRegions duplicateCheckMissing
      consent { given purpose recordedAt recordedBy withdrawnAt }
      helpRequests(first: 20) { id need urgency status createdAt }
      distributions(first: 20) { id distributedAt items { item quantity } warehouse { name } deliveredBy { fullName } }
      entitlements { item allowed used remaining nextEligibleAt }
    }
  }
`;

export function HouseholdDetail({ id, onChanged, onClose }: { id: string; onChanged: () => void; onClose: () => void }) {
  const { t } = useTranslation("households");
  const [result, refetch] = useQuery<{ beneficiary: HouseholdDetailData | null }>({ query: HOUSEHOLD, variables: { id } });
  const heading = useRef<HTMLHeadingElement>(null);
  const household = result.data?.beneficiary;
  // Opening a household takes the reader to it.
  useEffect(() => heading.current?.focus(), [id, household?.id]);
  return (
    <section className="panel" aria-labelledby="household-title">
      <div className="toolbar">
        <h2 id="household-title" ref={heading} tabIndex={-1}>
          {household ? (household.fullName ?? t("erased")) : t("detail.title")}
        </h2>
        <button type="button" onClick={onClose}>
          {t("detail.close")}
        </button>
      </div>
      {result.fetching && !household && <p role="status">{t("common:loading")}</p>}
      <QueryErrors errors={graphErrors(result.error)} />
      {household && (
        <>
          <Facts household={household} />
          <HelpRequests household={household} />
          <Distributions household={household} />
          <Entitlements household={household} />
          {household.status === "ACTIVE" && (
            <WithdrawConsent
              id={household.id}
              onWithdrawn={() => {
                // Its buttons go with the consent: the reader stays on the record, now erased.
                heading.current?.focus();
                refetch({ requestPolicy: "network-only" });
                onChanged();
              }}
            />
          )}
        </>
      )}
    </section>
  );
}

function Facts({ household: h }: { household: HouseholdDetailData }) {
  const { t, i18n } = useTranslation("households");
  const consent = h.consent.withdrawnAt
    ? t("detail.consentWithdrawn", { at: dateTime(h.consent.withdrawnAt, i18n.language) })
    : t("detail.consentGiven", { at: dateTime(h.consent.recordedAt, i18n.language), by: h.consent.recordedBy });
  return (
    <dl className="ws-facts">
      <dt>{t("field.householdSize")}</dt>
      <dd>{h.householdSize}</dd>
      <dt>{t("field.phone")}</dt>
      <dd>{h.phone ?? t("common:none")}</dd>
      <dt>{t("field.address")}</dt>
      <dd>{h.address ?? t("common:none")}</dd>
      <dt>{t("field.needs")}</dt>
      <dd>{h.needs.length ? h.needs.map((n) => t(`common:Need.${n}`)).join(", ") : t("common:none")}</dd>
      <dt>{t("field.vulnerabilities")}</dt>
      <dd>{h.vulnerabilities.length ? h.vulnerabilities.map((v) => t(`Vulnerability.${v}`)).join(", ") : t("common:none")}</dd>
      <dt>{t("field.status")}</dt>
      <dd>{t(`Status.${h.status}`)}</dd>
      <dt>{t("field.registered")}</dt>
      <dd>{dateTime(h.registeredAt, i18n.language)}</dd>
      <dt>{t("consent.legend")}</dt>
      <dd>
        {consent}
        {h.consent.purpose && <> — {h.consent.purpose}</>}
      </dd>
      {h.possibleDuplicateRegions.length > 0 && (
        <>
          <dt>{t("detail.duplicates")}</dt>
          <dd>{h.possibleDuplicateRegions.join(", ")}</dd>
        </>
      )}
    </dl>
  );
}

function HelpRequests({ household }: { household: HouseholdDetailData }) {
  const { t, i18n } = useTranslation("households");
  return (
    <>
      <h3>{t("detail.helpRequests")}</h3>
      {household.helpRequests.length === 0 ? (
        <p className="muted">{t("detail.noHelpRequests")}</p>
      ) : (
        <table>
          <TableHead columns={[t("field.need"), t("detail.urgency"), t("field.status"), t("detail.opened")]} />
          <tbody>
            {household.helpRequests.map((r) => (
              <tr key={r.id}>
                <td>{t(`common:Need.${r.need}`)}</td>
                <td>{t(`common:Urgency.${r.urgency}`)}</td>
                <td>{t(`RequestStatus.${r.status}`)}</td>
                <td>{dateTime(r.createdAt, i18n.language)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Distributions({ household }: { household: HouseholdDetailData }) {
  const { t, i18n } = useTranslation("households");
  const list = household.distributions;
  return (
    <>
      <h3>{t("detail.distributions")}</h3>
      {list === null ? (
        <p className="muted">{t("detail.distributionsMissing")}</p>
      ) : list.length === 0 ? (
        <p className="muted">{t("detail.noDistributions")}</p>
      ) : (
        <table>
          <TableHead columns={[t("detail.when"), t("detail.items"), t("detail.warehouse"), t("detail.deliveredBy")]} />
          <tbody>
            {list.map((d) => (
              <tr key={d.id}>
                <td>{dateTime(d.distributedAt, i18n.language)}</td>
                <td>{itemsText(d.items, t)}</td>
                <td>{d.warehouse.name}</td>
                <td>{d.deliveredBy?.fullName ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Entitlements({ household }: { household: HouseholdDetailData }) {
  const { t, i18n } = useTranslation("households");
  if (!household.entitlements?.length) return null;
  return (
    <>
      <h3>{t("detail.entitlements")}</h3>
      <table>
        <TableHead
          columns={[
            t("detail.item"),
            { num: t("detail.allowed") },
            { num: t("detail.used") },
            { num: t("detail.remaining") },
            t("detail.nextEligible"),
          ]}
        />
        <tbody>
          {household.entitlements.map((e) => (
            <tr key={e.item}>
              <td>{t(`common:Item.${e.item}`)}</td>
              <td className="num">{e.allowed}</td>
              <td className="num">{e.used}</td>
              <td className="num">{e.remaining}</td>
              <td>{dateTime(e.nextEligibleAt, i18n.language)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
