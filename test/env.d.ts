import type { D1Migration } from "cloudflare:test";
import type { ApiEnv } from "#shared/env";

declare global {
  namespace Cloudflare {
    interface Env extends ApiEnv {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
