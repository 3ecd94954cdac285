// Sign-in: a pasted token in development, the organisation's identity provider in production.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";
import { completeOidcSignIn, isOidcCallback, startOidcSignIn } from "../oidc";
import { useSession } from "../session";
import { Field } from "../ui/forms";

export function SignIn() {
  const { t } = useTranslation();
  const { settings, ended, signIn } = useSession();
  const [token, setToken] = useState("");
  const [error, setError] = useState<string | undefined>();
  // The provider's refusal (or an unreachable provider), shown next to its button.
  const [oidcError, setOidcError] = useState<string | undefined>();
  const [completing, setCompleting] = useState(isOidcCallback() && !!settings.oidc);
  const started = useRef(false);
  useEffect(() => {
    document.title = `${t("signIn.title")} · ${t("appName")}`;
  }, [t]);

  useEffect(() => {
    if (!completing || started.current || !settings.oidc) return;
    started.current = true;
    completeOidcSignIn(settings.oidc)
      .then((accessToken) => {
        // Signed in at the provider, but its access token is not one the graph reads (a JWT with a role).
        if (!signIn(accessToken)) setOidcError(t("signIn.noAccess"));
      })
      .catch((err: unknown) => setOidcError(t("signIn.failed", { message: (err as Error).message })))
      .finally(() => setCompleting(false));
  }, [completing, settings.oidc, signIn, t]);

  function startOidc(oidc: NonNullable<typeof settings.oidc>) {
    setOidcError(undefined);
    startOidcSignIn(oidc).catch((err: unknown) => setOidcError(t("signIn.failed", { message: (err as Error).message })));
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    setError(signIn(token) ? undefined : t("signIn.invalid"));
  }

  return (
    <main id="main" tabIndex={-1} className="sign-in">
      <h1>{t("signIn.title")}</h1>
      <p>{t("signIn.intro")}</p>
      {ended && (
        <p className="banner banner-info" role="status">
          {t(ended === "expired" ? "signIn.expired" : "signIn.signedOut")}
        </p>
      )}
      {completing && <p role="status">{t("signIn.completing")}</p>}
      {settings.oidc && !completing && (
        <>
          <p>
            <button type="button" className="primary" onClick={() => startOidc(settings.oidc!)}>
              {t("signIn.oidc")}
            </button>
          </p>
          {oidcError && (
            <p className="error" role="alert">
              {oidcError}
            </p>
          )}
        </>
      )}
      {settings.tokenSignIn && (
        <form onSubmit={submit} noValidate>
          <Field label={t("signIn.token")} help={t("signIn.tokenHelp")} error={error}>
            {(props) => (
              <textarea
                {...props}
                name="token"
                rows={4}
                value={token}
                onChange={(e) => setToken(e.target.value)}
                autoComplete="off"
                spellCheck={false}
              />
            )}
          </Field>
          <button type="submit" className="primary">
            {t("signIn.submit")}
          </button>
        </form>
      )}
      {!settings.tokenSignIn && !settings.oidc && <p role="alert">{t("signIn.unavailable")}</p>}
    </main>
  );
}
