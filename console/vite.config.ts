// Builds the console (browser code only) into dist/console, which the gateway serves at `/`.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  build: {
    outDir: fileURLToPath(new URL("../dist/console", import.meta.url)),
    emptyOutDir: true,
    // The gateway's content security policy allows scripts and styles from its own origin only.
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
    // One bundle (React, urql, i18next, oidc-client-ts and the pages) cached as immutable by hash.
    chunkSizeWarningLimit: 1000,
  },
  logLevel: "warn",
});
