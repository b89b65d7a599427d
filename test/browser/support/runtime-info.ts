/**
 * What the global setup hands the tests: the runtime's port (fixed, so playwright.config.ts
 * can build baseURL before the runtime exists) and, through process.env (Playwright starts its
 * workers after the global setup), the admin key and the first admin's credentials.
 */
export const BROWSER_TEST_PORT = Number(process.env.BROWSER_TEST_PORT || 8795);

const ENV = {
  adminKey: "BOOMERANG_BROWSER_ADMIN_KEY",
  adminEmail: "BOOMERANG_BROWSER_ADMIN_EMAIL",
  adminPassword: "BOOMERANG_BROWSER_ADMIN_PASSWORD",
  userJwtSecret: "BOOMERANG_BROWSER_USER_JWT_SECRET",
  eventKeySecret: "BOOMERANG_BROWSER_EVENT_KEY_SECRET",
  stateDir: "BOOMERANG_BROWSER_STATE_DIR",
} as const;

export interface RuntimeInfo {
  baseUrl: string;
  /** The runtime's ADMIN_API_KEY, for the admin API (operators, fixtures). */
  adminKey: string;
  /** The first admin, created with `npm run operator:create` as the README documents. */
  admin: { email: string; password: string };
  /** The runtime's USER_JWT_SECRET, to mint user tokens as an operator's backend would. */
  userJwtSecret: string;
  /** The secret of the runtime's event key (`dev-backend`), to send events as a backend would. */
  eventKeySecret: string;
  /** The runtime's local state (`wrangler dev --persist-to`), for seeding what no API makes. */
  stateDir: string;
}

/** Called by the global setup once the runtime is up. */
export function publishRuntimeInfo(info: Omit<RuntimeInfo, "baseUrl">): void {
  process.env[ENV.adminKey] = info.adminKey;
  process.env[ENV.adminEmail] = info.admin.email;
  process.env[ENV.adminPassword] = info.admin.password;
  process.env[ENV.userJwtSecret] = info.userJwtSecret;
  process.env[ENV.eventKeySecret] = info.eventKeySecret;
  process.env[ENV.stateDir] = info.stateDir;
}

/**
 * The runtime the tests run against.
 *
 * @example
 * const { adminKey } = runtimeInfo();
 */
export function runtimeInfo(): RuntimeInfo {
  const read = (name: string) => {
    const value = process.env[name];
    if (!value)
      throw new Error(`${name} is not set: run the browser tests with npx playwright test`);
    return value;
  };
  return {
    baseUrl: `http://localhost:${BROWSER_TEST_PORT}`,
    adminKey: read(ENV.adminKey),
    admin: { email: read(ENV.adminEmail), password: read(ENV.adminPassword) },
    userJwtSecret: read(ENV.userJwtSecret),
    eventKeySecret: read(ENV.eventKeySecret),
    stateDir: read(ENV.stateDir),
  };
}
