// Flat config: the recommended rule sets of ESLint and typescript-eslint (type-checked), and the project's
// layering, checked on every import:
//  - subgraphs/<name>/ never imports another subgraph (cross-subgraph checks go through
//    subgraphs/kernel/region-records.ts), nor the host (but its index.ts, which runs it) or
//    the gateway;
//  - subgraphs/kernel/ (what everything builds on) imports no subgraph, no host, no gateway;
//  - subgraphs/host/ (the region host) and gateway/ import no subgraph's own modules.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const SUBGRAPHS = ["volunteers", "beneficiaries", "inventory", "events"];

/** An import specifier reaching into one of `folders` (relative, from anywhere in the tree). */
const reaching = (folders, message) => ({ regex: `(^|/)(${folders.join("|")})/`, message });

const layer = (files, forbidden, message) => ({
  files,
  rules: { "no-restricted-imports": ["error", { patterns: [reaching(forbidden, message)] }] },
});

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/"] },
  js.configs.recommended,
  // Rules that use the types: unhandled promises, unsafe `any`, needless assertions…
  ...tseslint.configs.recommendedTypeChecked,
  { languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } } },
  { files: ["**/*.js", "**/*.mjs"], ...tseslint.configs.disableTypeChecked },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
    },
  },
  ...SUBGRAPHS.flatMap((name) => {
    const others = SUBGRAPHS.filter((other) => other !== name);
    const message =
      "a subgraph does not import another subgraph, the host or the gateway; check another subgraph's records through subgraphs/kernel/region-records.ts";
    return [
      { ...layer([`subgraphs/${name}/**`], [...others, "host", "gateway"], message), ignores: [`subgraphs/${name}/index.ts`] },
      // Its index.ts runs it alone as a process: the one file that hands it to a region host.
      layer([`subgraphs/${name}/index.ts`], [...others, "gateway"], message),
    ];
  }),
  layer(["subgraphs/kernel/**"], [...SUBGRAPHS, "host", "gateway"], "the kernel imports no subgraph, no host and no gateway module"),
  layer(
    ["subgraphs/host/**"],
    [...SUBGRAPHS, "gateway"],
    "the region host serves the subgraphs it is given; it imports none of them, nor the gateway",
  ),
  layer(["gateway/**"], [...SUBGRAPHS, "host"], "the gateway knows subgraphs only through the supergraph, the kernel and the manifest"),
);
