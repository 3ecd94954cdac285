import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // One graphql instance for everything, or "Cannot use GraphQLSchema from another module or realm".
    alias: { graphql: "graphql/index.js" },
  },
  test: {
    include: ["test/**/*.test.ts", "test/**/*.e2e.ts"],
    // Integration tests start real servers; give slow shared machines room.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // type-graphql's decorators need the metadata polyfill before any type module loads.
    setupFiles: ["reflect-metadata"],
  },
});
