import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));

const ignored = ["**/node_modules/**", "**/.next/**", "**/.next-*/**", "**/.data*/**", "e2e/**"];

/** Integration tests share one setup: a fresh database per test file, installed as the app's. */
function integrationProject(db: "pglite" | "postgres") {
  return {
    extends: true as const,
    test: {
      name: `integration-${db}`,
      include: ["**/*.integration.test.ts"],
      exclude: ignored,
      environment: "node" as const,
      env: { CHANGEGATE_TEST_DB: db },
      setupFiles: ["db/testing.setup.ts"],
      // Files run one after another: each creates its own database, and PGlite is memory-hungry.
      fileParallelism: false,
      testTimeout: 60_000,
      hookTimeout: 120_000,
    },
  };
}

// Real PostgreSQL runs only when a server is named; without one the project does not exist.
const withPostgres = Boolean(process.env.TEST_DATABASE_URL);

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@\//, replacement: `${root}` },
      { find: /^server-only$/, replacement: `${root}lib/testing/server-only-stub.ts` },
    ],
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["**/*.test.ts"],
          exclude: [...ignored, "**/*.integration.test.ts"],
          environment: "node",
        },
      },
      integrationProject("pglite"),
      ...(withPostgres ? [integrationProject("postgres")] : []),
    ],
  },
});
