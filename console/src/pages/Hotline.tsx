// The hotline: a regional staff member takes calls (the intake form) and works the region's
// queue of help requests: triage, assign a volunteer, start, fulfil or cancel.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useQuery } from "urql";
import { graphErrors } from "../graph";
import { graphLanguage } from "../i18n";
import { useClaims } from "../session";
import { QueryErrors } from "../ui/banners";
import { Intake } from "./hotline/Intake";
import { Queue } from "./hotline/Queue";
import "./hotline/hotline.css";

const REGION = `query HotlineRegion($code: String!, $lang: Language!) { region(code: $code) { code name(lang: $lang) } }`;

export function Hotline() {
  const { t, i18n } = useTranslation("hotline");
  const region = useClaims().region!;
  const [result] = useQuery<{ region: { code: string; name: string } | null }>({
    query: REGION,
    variables: { code: region, lang: graphLanguage(i18n.language) },
  });
  // Bumped when a request is opened, so the queue below shows it.
  const [stamp, setStamp] = useState(0);
  // The name comes from the regions subgraph the gateway serves itself; the region's own errors show with the queue.
  const errors = graphErrors(result.error);
  const name = result.data?.region?.name;
  return (
    <>
      <h1>{name ? t("titleOf", { region: `${name} (${region})` }) : t("title")}</h1>
      <QueryErrors errors={errors} />
      <div className="requests-page">
        <Intake region={region} onOpened={() => setStamp((n) => n + 1)} />
        <Queue region={region} stamp={stamp} />
      </div>
    </>
  );
}
