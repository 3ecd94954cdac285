// The frame: who is signed in, the language, the pages their role may use, and the page.
import { useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Provider } from "urql";
import { makeClient } from "./graph";
import { setLanguage } from "./i18n";
import { LANGUAGES, type Language } from "./locales";
import { Events } from "./pages/Events";
import { Households } from "./pages/Households";
import { Hotline } from "./pages/Hotline";
import { Overview } from "./pages/Overview";
import { SignIn } from "./pages/SignIn";
import { Stock } from "./pages/Stock";
import { Volunteer } from "./pages/Volunteer";
import { pageOf, pagesFor, type Page } from "./routes";
import { useSession } from "./session";

const LANGUAGE_NAMES: Record<Language, string> = { kk: "Қазақша", ru: "Русский", en: "English" };

function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <label className="language">
      <span>{t("language")}</span>
      <select value={i18n.language} onChange={(e) => void setLanguage(e.target.value as Language)}>
        {LANGUAGES.map((lng) => (
          <option key={lng} value={lng} lang={lng}>
            {LANGUAGE_NAMES[lng]}
          </option>
        ))}
      </select>
    </label>
  );
}

function useHash(): string {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return hash;
}

function Workspace() {
  const { t } = useTranslation();
  const { claims, token, signOut } = useSession();
  const client = useMemo(() => makeClient(token!, () => signOut("expired")), [token, signOut]);
  const allowed = pagesFor(claims!.role);
  const page = pageOf(useHash(), allowed);
  useEffect(() => {
    document.title = `${t(`nav.${page}`)} · ${t("appName")}`;
  }, [page, t]);
  const body: Record<Page, () => React.ReactNode> = {
    overview: () => <Overview />,
    hotline: () => <Hotline />,
    households: () => <Households />,
    stock: () => <Stock />,
    events: () => <Events />,
    me: () => <Volunteer />,
  };
  return (
    <Provider value={client}>
      <nav aria-label={t("nav.label")} className="tabs">
        <ul>
          {allowed.map((p) => (
            <li key={p}>
              <a href={`#/${p}`} aria-current={p === page ? "page" : undefined}>
                {t(`nav.${p}`)}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {body[page]()}
      </main>
    </Provider>
  );
}

export function App() {
  const { t } = useTranslation();
  const { claims, signOut } = useSession();
  return (
    <>
      {/* Moves focus without touching the hash, which holds the page's route. */}
      <a
        className="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById("main")?.focus();
        }}
      >
        {t("skipToContent")}
      </a>
      <header className="top">
        <div className="brand">
          <strong>{t("appName")}</strong> <span>{t("appTagline")}</span>
        </div>
        <div className="who">
          <LanguageSwitch />
          {claims && (
            <>
              <span data-testid="who">
                {t("signedInAs", { sub: claims.name ?? claims.sub })} · {t(`role.${claims.role}`)}
                {claims.region ? ` · ${claims.region}` : ""}
              </span>
              <button type="button" onClick={() => signOut()}>
                {t("signOut")}
              </button>
            </>
          )}
        </div>
      </header>
      {claims ? <Workspace /> : <SignIn />}
    </>
  );
}
