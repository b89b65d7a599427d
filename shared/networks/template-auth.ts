import { withinSignatureWindow } from "../postback/signature";
import { type AuthResult, checkTokenAndIp, verifyHmacHex } from "./core/auth";
import { ipAllowed } from "./core/ip-match";
import { headerOf, type Params, rawQueryString } from "./core/params";
import { readOptions } from "./core/read-options";
import { NO_CREDENTIALS } from "./core/redact";
import { parseIsoTime, parseUnixSeconds } from "./core/time";
import {
  type TemplateMapping,
  TemplateMappingMiniSchema,
  type TemplateTimestamp,
} from "./template-mapping-mini";
import type { CredentialParams, NetworkSettings, PostbackRequest } from "./types";

/**
 * How a template network's postbacks are authenticated (its `auth`: token, HMAC or IP
 * allowlist), kept fresh (its optional `timestamp`) and stored (its credentials redacted).
 */

/**
 * Checks the mapping's `auth` against the request.
 *
 * @example
 * await authenticate(request, settings, mapping, query, form)
 */
export async function authenticate(
  request: PostbackRequest,
  settings: NetworkSettings,
  mapping: TemplateMapping,
  query: Params,
  form: Params,
): Promise<AuthResult> {
  const auth = mapping.auth;
  switch (auth.type) {
    case "ip_allowlist":
      return ipAllowed(request.sourceIp, auth.allow)
        ? { ok: true }
        : { ok: false, reason: request.sourceIp === null ? "ip_unknown" : "ip_not_allowed" };
    case "token": {
      const token =
        auth.in === "header"
          ? headerOf(request, auth.name.toLowerCase())
          : (auth.in === "query" ? query : form).get(auth.name);
      return checkTokenAndIp(settings.postbackSecret, {
        token,
        requireToken: true,
        ipAllowlist: auth.ipAllowlist ?? [],
        sourceIp: request.sourceIp,
      });
    }
    case "hmac_sha256": {
      if (
        auth.ipAllowlist &&
        auth.ipAllowlist.length > 0 &&
        !ipAllowed(request.sourceIp, auth.ipAllowlist)
      ) {
        return { ok: false, reason: request.sourceIp === null ? "ip_unknown" : "ip_not_allowed" };
      }
      const message = auth.message === "raw_body" ? request.rawBody : rawQueryString(request.url);
      if (message === null) return { ok: false, reason: "unreadable request" };
      return verifyHmacHex(
        settings.postbackSecret,
        message,
        headerOf(request, auth.header),
        auth.prefix ?? "",
      );
    }
  }
}

/**
 * The mapping's timestamp, when it has one, must be within ±300 s of receipt (the generic
 * format's window): the HMAC covers it (template-mapping.ts refuses a mapping where it does
 * not), so a captured postback stops being accepted five minutes after it was sent. `value`
 * is what the timestamp's source read from the request.
 *
 * @example
 * checkTimestamp({ source: { from: "json", path: "sent_at" }, format: "unix_seconds" }, 1763712000, nowMs)
 */
export function checkTimestamp(
  timestamp: TemplateTimestamp,
  value: unknown,
  nowMs: number,
): AuthResult {
  if (value === undefined || value === null || value === "")
    return { ok: false, reason: "missing_timestamp" };
  const ms = timestamp.format === "iso" ? parseIsoTime(value) : parseUnixSeconds(value);
  if (ms === null) return { ok: false, reason: "malformed_timestamp" };
  return withinSignatureWindow(ms / 1000, nowMs)
    ? { ok: true }
    : { ok: false, reason: "stale_timestamp" };
}

/**
 * The credential a template network's postbacks carry: the token parameter or header of a
 * `token` mapping (an HMAC proves nothing once stored, and an IP is not a secret). A mapping
 * that does not validate still has its named token redacted. Matched regardless of case,
 * although the template reads names exactly: a network that sends `KEY=` instead of `key=`
 * has still sent its secret.
 */
export function templateCredentialParams(settings: NetworkSettings): CredentialParams {
  const mapping = readOptions(TemplateMappingMiniSchema, settings.options);
  const auth: unknown = mapping.ok ? mapping.value.auth : settings.options?.auth;
  if (typeof auth !== "object" || auth === null) return NO_CREDENTIALS;
  const { type, in: where, name } = auth as Record<string, unknown>;
  if (type !== "token" || typeof name !== "string") return NO_CREDENTIALS;
  return where === "header"
    ? { params: [], headers: [name.toLowerCase()], caseInsensitive: true }
    : { params: [name], headers: [], caseInsensitive: true };
}
