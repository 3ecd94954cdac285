// The console's entry: settings from the gateway, languages, then the page.
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { loadSettings } from "./config";
import { initI18n } from "./i18n";
import { SessionProvider } from "./session";
import "./styles.css";

async function main(): Promise<void> {
  const [settings] = await Promise.all([loadSettings(), initI18n()]);
  createRoot(document.getElementById("root")!).render(
    <StrictMode>
      <SessionProvider settings={settings}>
        <App />
      </SessionProvider>
    </StrictMode>,
  );
}

main().catch((err: unknown) => {
  // Before the labels load: the three languages at once.
  document.getElementById("root")!.textContent =
    `Консоль іске қосылмады · Консоль не запустилась · The console could not start: ${(err as Error).message}`;
});
