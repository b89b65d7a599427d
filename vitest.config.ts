import { createHash } from "node:crypto";
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

/**
 * Admin keys of each role the access tests call with (test/access-keys.ts holds the same
 * values). `test-payouts` and `test-reader` keep the issue-9 scope names, which stay accepted
 * as aliases (finance and viewer), so the aliases are tested through the real worker.
 */
const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");
const TEST_ADMIN_KEYS = JSON.stringify([
  {
    name: "test-catalog",
    scope: "catalog",
    sha256: sha256Hex("test-catalog-key-0123456789abcdef"),
  },
  {
    name: "test-payouts",
    scope: "payouts",
    sha256: sha256Hex("test-payouts-key-0123456789abcdef"),
  },
  {
    name: "test-finance",
    scope: "finance",
    sha256: sha256Hex("test-finance-key-0123456789abcdef"),
  },
  {
    name: "test-support",
    scope: "support",
    sha256: sha256Hex("test-support-key-0123456789abcdef"),
  },
  {
    name: "test-viewer",
    scope: "viewer",
    sha256: sha256Hex("test-viewer-key-0123456789abcdef"),
  },
  // One key in clear, as a development setup may give it.
  { name: "test-reader", scope: "read-only", key: "test-reader-key-0123456789abcdef" },
]);

/**
 * The suite's config. `plugin` is the pool's plugin factory: the package's own by default; a long
 * run may pass a patched copy's (vitest.long-run.ts, scripts/vitest-pool-patch.ts).
 */
export async function workersTestConfig(plugin: typeof cloudflareTest = cloudflareTest) {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      plugin({
        // The api worker is the test runtime's main worker: it hosts the wallet Durable
        // Object and the queue consumers, so queues deliver to it exactly as in production.
        // Its bindings are a superset of the redirect and postback workers', which tests
        // call through their exported handlers.
        wrangler: { configPath: "./wrangler.toml" },
        // The api worker plus the test-only sandbox payout processor (test/worker.ts).
        main: "./test/worker.ts",
        miniflare: {
          // Rate limits (emulated, in memory, per fixed window). Every suite runs through the
          // production code path with limits no suite reaches (100 concurrent redemptions by one
          // user, say); the redirect's and the postback worker's, which the api wrangler.toml
          // does not declare, are bound here for their handlers. TEST_TIGHT_LIMITER is small
          // so test/rate-limits.e2e.test.ts can swap it in and reach a limit deterministically.
          ratelimits: {
            API_USER_LIMITER: { simple: { limit: 1_000_000, period: 60 } },
            API_USER_WRITE_LIMITER: { simple: { limit: 1_000_000, period: 60 } },
            API_ANON_LIMITER: { simple: { limit: 1_000_000, period: 60 } },
            REDIRECT_IP_LIMITER: { simple: { limit: 1_000_000, period: 60 } },
            REDIRECT_LINK_LIMITER: { simple: { limit: 1_000_000, period: 60 } },
            POSTBACK_AUTH_FAILURE_LIMITER: { simple: { limit: 1_000_000, period: 60 } },
            EVENTS_AUTH_FAILURE_LIMITER: { simple: { limit: 1_000_000, period: 60 } },
            TEST_TIGHT_LIMITER: { simple: { limit: 3, period: 60 } },
          },
          durableObjects: {
            SANDBOX_PROCESSOR: { className: "TestSandboxProcessor", useSQLite: true },
          },
          // A second shard of the clicks, postbacks and ledger-events queues
          // (shared/queues/shards.ts), as an operator adds one in wrangler.toml. Unused unless a
          // test raises CLICK_QUEUE_SHARDS, POSTBACK_QUEUE_SHARDS or LEDGER_EVENT_QUEUE_SHARDS in
          // the env it passes (test/queue-shards.e2e.test.ts).
          queueProducers: {
            CLICKS_1: { queueName: "boomerang-clicks-1" },
            POSTBACKS_1: { queueName: "boomerang-postbacks-1" },
            LEDGER_EVENTS_1: { queueName: "boomerang-ledger-events-1" },
          },
          // A second user database (shared/db/router.ts), migrated like DB by test/setup.ts.
          // Unused unless a test raises USER_DB_SHARDS (test/d1-router.e2e.test.ts).
          // Four more, empty, for the re-sharding tests (test/user-db-moves.e2e.test.ts), which
          // move every row of their databases and so must not share them with other files; two
          // more for the operator's loop (test/user-db-move-script.e2e.test.ts), for the same reason.
          d1Databases: {
            USER_DB_1: "boomerang-user-1",
            MOVE_DB_0: "boomerang-move-0",
            MOVE_DB_1: "boomerang-move-1",
            MOVE_DB_2: "boomerang-move-2",
            MOVE_DB_3: "boomerang-move-3",
            MOVE_DB_4: "boomerang-move-4",
            MOVE_DB_5: "boomerang-move-5",
          },
          queueConsumers: {
            "boomerang-clicks-1": { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 10 },
            "boomerang-postbacks-1": { maxBatchSize: 50, maxBatchTimeout: 1, maxRetries: 20 },
            "boomerang-ledger-events-1": { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 10 },
          },
          bindings: {
            TEST_MIGRATIONS: migrations,
            LINK_SIGNING_KEY: "test-link-signing-key-0123456789abcdef",
            SUBID_SIGNING_KEY: "test-subid-signing-key-0123456789abcdef",
            USER_JWT_SECRET: "test-user-jwt-secret-0123456789abcdef",
            ADMIN_API_KEY: "test-admin-key",
            ADMIN_API_KEYS: TEST_ADMIN_KEYS,
            // Event keys (test/events-client.ts signs with them): one for every type, one
            // that may send purchases only, and one name twice, as while a secret rotates.
            EVENT_API_KEYS: JSON.stringify([
              { name: "test-backend", secret: "test-event-secret-0123456789abcdef0123" },
              {
                name: "test-shop",
                secret: "test-shop-event-secret-0123456789abcdef",
                eventTypes: ["purchase.completed", "refund.completed"],
              },
              { name: "test-rotating", secret: "test-rotating-old-secret-0123456789abcdef" },
              { name: "test-rotating", secret: "test-rotating-new-secret-0123456789abcdef" },
            ]),
            // User tokens: the defaults (no iss/aud check, 24 h lifetime, 60 s skew), set
            // explicitly so a local .dev.vars cannot change what the tests expect.
            USER_JWT_ISSUER: "",
            USER_JWT_AUDIENCE: "",
            USER_JWT_MAX_LIFETIME_SEC: "",
            USER_JWT_CLOCK_SKEW_SEC: "",
            // Deployment behaviour whatever a local .dev.vars allows (npm run dev sets it).
            ALLOW_INSECURE_URLS: "",
            LINK_SIGNING_KEYS: "",
            REDIRECT_BASE_URL: "https://go.test",
            ALLOW_CLOCK_OVERRIDE: "true",
            // Payouts: field-encryption keys (two versions, as after a rotation), the
            // sandbox processor on both sides, retries without waiting, codes in the outbox.
            PAYOUT_DETAILS_KEYS: JSON.stringify({
              1: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
              2: "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8",
            }),
            PAYOUT_PROCESSOR: "sandbox",
            PAYOUT_PROCESSOR_API_KEY: "test-sandbox-processor-key",
            PAYOUT_PROCESSOR_WEBHOOK_SECRET: "test-sandbox-processor-webhook-secret",
            PAYOUT_RETRY_BASE_SEC: "0",
            NOTIFY_CHANNEL: "outbox",
            NOTIFY_LINK_KEY: "test-notify-link-key-0123456789abcdef",
            NOTIFY_LINK_BASE_URL: "https://api.test",
            // Receipts (test/notification-receipts.e2e.test.ts signs with them).
            RESEND_WEBHOOK_SECRET: "whsec_dGVzdC1yZXNlbmQtd2ViaG9vay1zZWNyZXQtMDEyMzQ1",
            TWILIO_AUTH_TOKEN: "test-twilio-auth-token-0123456789",
            // The default policy (24 h cooling-off), whatever a local .dev.vars overrides.
            PAYOUT_POLICY: "",
            SANDBOX_PROCESSOR_API_KEY: "test-sandbox-processor-key",
            SANDBOX_PROCESSOR_WEBHOOK_SECRET: "test-sandbox-processor-webhook-secret",
            BOOMERANG_WEBHOOK_URL: "https://api.test/webhooks/payouts/sandbox",
            SANDBOX_PROCESSOR_PROCESSING_DELAY_MS: "0",
            SANDBOX_PROCESSOR_FINAL_DELAY_MS: "0",
            SANDBOX_PROCESSOR_AUTO_DELIVER: "false",
          },
        },
      }),
    ],
    test: {
      setupFiles: ["./test/setup.ts"],
      include: ["**/*.test.ts"],
      exclude: ["node_modules/**"],
      testTimeout: 30_000,
      // Setup hooks seed through the real workers; on two shared cores under the whole suite a
      // seed of three postbacks has taken over ten seconds, so hooks get twice the tests' allowance.
      hookTimeout: 60_000,
    },
  };
}

export default defineConfig(() => workersTestConfig());
