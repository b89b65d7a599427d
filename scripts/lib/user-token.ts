import { sign } from "hono/jwt";

/** What an operator's backend puts in a user token (docs/access.md). */
export interface UserTokenRequest {
  userId: string;
  ttlSec: number;
  nowSec: number;
  /** When the deployment sets USER_JWT_ISSUER / USER_JWT_AUDIENCE, the same values. */
  issuer?: string;
  audience?: string;
}

/**
 * The claims of a user token: `sub`, `iat` and `exp`, plus `iss`/`aud` when given. Shared by
 * `npm run token` and the tests, so the script mints what the api accepts.
 *
 * @example
 * userTokenClaims({ userId: "demo-alice", ttlSec: 3600, nowSec: 1_800_000_000 });
 * // { sub: "demo-alice", iat: 1800000000, exp: 1800003600 }
 */
export function userTokenClaims(request: UserTokenRequest): Record<string, string | number> {
  return {
    sub: request.userId,
    iat: request.nowSec,
    exp: request.nowSec + request.ttlSec,
    ...(request.issuer ? { iss: request.issuer } : {}),
    ...(request.audience ? { aud: request.audience } : {}),
  };
}

/** An HS256 user token signed with USER_JWT_SECRET. */
export function mintUserToken(secret: string, request: UserTokenRequest): Promise<string> {
  return sign(userTokenClaims(request), secret, "HS256");
}
