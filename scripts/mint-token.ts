import { parseArgs } from "node:util";
import { readDevVars } from "./lib/dev-vars";
import { mintUserToken } from "./lib/user-token";

/**
 * `npm run -s token -- <userId> [ttlSeconds] [--iss <issuer>] [--aud <audience>]`: prints a
 * user JWT for local use. An operator's backend mints the same token: HS256 over
 * {sub: userId, iat, exp} with USER_JWT_SECRET, plus `iss`/`aud` when the deployment checks
 * them (docs/access.md). Without the flags, USER_JWT_ISSUER / USER_JWT_AUDIENCE from
 * .dev.vars are used when set.
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { iss: { type: "string" }, aud: { type: "string" } },
});
const [userId, ttl] = positionals;
if (!userId || !/^[A-Za-z0-9_-]{1,64}$/.test(userId)) {
  console.error(
    "usage: npm run -s token -- <userId> [ttlSeconds] [--iss <issuer>] [--aud <audience>]",
  );
  process.exit(2);
}
const vars = readDevVars() as ReturnType<typeof readDevVars> & Record<string, string | undefined>;
const ttlSec = Number(ttl) || 3600;
const maxLifetimeSec = Number(vars.USER_JWT_MAX_LIFETIME_SEC) || 24 * 3600;
if (!Number.isSafeInteger(ttlSec) || ttlSec < 1 || ttlSec > maxLifetimeSec) {
  console.error(`ttlSeconds must be 1 to ${maxLifetimeSec} (USER_JWT_MAX_LIFETIME_SEC)`);
  process.exit(2);
}
console.log(
  await mintUserToken(vars.USER_JWT_SECRET, {
    userId,
    ttlSec,
    nowSec: Math.floor(Date.now() / 1000),
    issuer: values.iss ?? vars.USER_JWT_ISSUER,
    audience: values.aud ?? vars.USER_JWT_AUDIENCE,
  }),
);
