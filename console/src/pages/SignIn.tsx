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
  const [completing, setCompleting] = useState(isOidcCallback() && !!settings.oidc);
  const started = useRef(false);

  useEffect(() => {
    if (!completing || started.current || !settings.oidc) return;
    started.current = true;
    completeOidcSignIn(settings.oidc)
      .then((accessToken) => {
        if (!signIn(accessToken)) setError(t("signIn.invalid"));
      })
      .catch((err: unknown) => setError(t("signIn.failed", { message: (err as Error).message })))
      .finally(() => setCompleting(false));
  }, [completing, settings.oidc, signIn, t]);

  function submit(e: FormEvent) {
    e.preventDefault();
    setError(signIn(token) ? undefined : t("signIn.invalid"));
  }

  return (
    <main id="main" className="sign-in">
      <h1>{t("signIn.title")}</h1>
      <p>{t("signIn.intro")}</p>
      {ended && (
        <p className="banner banner-info" role="status">
          {t(ended === "expired" ? "signIn.expired" : "signIn.signedOut")}
        </p>
      )}
      {completing && <p role="status">{t("signIn.completing")}</p>}
      {settings.oidc && !completing && (
        <p>
          <button type="button" className="primary" onClick={() => void startOidcSignIn(settings.oidc!)}>
            {t("signIn.oidc")}
          </button>
        </p>
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
      {!settings.tokenSignIn && error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!settings.tokenSignIn && !settings.oidc && <p role="alert">{t("signIn.unavailable")}</p>}
    </main>
  );
}
