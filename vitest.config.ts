import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        // The api worker is the test runtime's main worker: it hosts the wallet Durable
        // Object and the queue consumers, so queues deliver to it exactly as in production.
        // Its bindings are a superset of the redirect and postback workers', which tests
        // call through their exported handlers.
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            LINK_SIGNING_KEY: "test-link-signing-key-0123456789abcdef",
            SUBID_SIGNING_KEY: "test-subid-signing-key-0123456789abcdef",
            USER_JWT_SECRET: "test-user-jwt-secret-0123456789abcdef",
            ADMIN_API_KEY: "test-admin-key",
            REDIRECT_BASE_URL: "https://go.test",
            ALLOW_CLOCK_OVERRIDE: "true",
          },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/setup.ts"],
      include: ["**/*.test.ts"],
      exclude: ["node_modules/**"],
      testTimeout: 30_000,
    },
  };
});
