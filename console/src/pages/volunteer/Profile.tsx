// The volunteer's record as the region keeps it.
import { useTranslation } from "react-i18next";
import type { Me } from "./types";

export function Profile({ me }: { me: Me }) {
  const { t } = useTranslation("volunteer");
  return (
    <section className="panel" aria-labelledby="profile-title">
      <h2 id="profile-title">{me.fullName}</h2>
      <dl className="facts">
        <div>
          <dt>{t("status")}</dt>
          <dd>{t(`VolunteerStatus.${me.status}`)}</dd>
        </div>
        <div>
          <dt>{t("common:region")}</dt>
          <dd>
            {me.region.name} ({me.region.code})
          </dd>
        </div>
        {me.phone && (
          <div>
            <dt>{t("phone")}</dt>
            <dd>{me.phone}</dd>
          </div>
        )}
        <div>
          <dt>{t("skills")}</dt>
          <dd>
            <ul className="chips">
              {me.skills.map((s) => (
                <li key={s}>{t(`common:Skill.${s}`)}</li>
              ))}
            </ul>
          </dd>
        </div>
        <div>
          <dt>{t("languages")}</dt>
          <dd>
            <ul className="chips">
              {me.languages.map((l) => (
                <li key={l}>{t(`hotline:lang.${l}`, { defaultValue: l })}</li>
              ))}
            </ul>
          </dd>
        </div>
      </dl>
    </section>
  );
}
