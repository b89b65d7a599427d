import { sign } from "hono/jwt";
import { readDevVars } from "./lib/dev-vars";

/**
 * `npm run -s token -- <userId> [ttlSeconds]`: prints a user JWT for local use.
 * An operator's backend mints the same token: HS256 over {sub: userId, exp} with
 * USER_JWT_SECRET (see docs/api.md).
 */
const [userId, ttl] = process.argv.slice(2);
if (!userId || !/^[A-Za-z0-9_-]{1,64}$/.test(userId)) {
  console.error("usage: npm run -s token -- <userId> [ttlSeconds]");
  process.exit(2);
}
const { USER_JWT_SECRET } = readDevVars();
const exp = Math.floor(Date.now() / 1000) + (Number(ttl) || 3600);
console.log(await sign({ sub: userId, exp }, USER_JWT_SECRET, "HS256"));
