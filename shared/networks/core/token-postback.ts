import type {
  CredentialParams,
  NetworkSettings,
  NormalizedConversion,
  PostbackParse,
  PostbackRequest,
} from "../types";
import { checkTokenAndIp } from "./auth";
import { FieldCollector } from "./fields";
import { finalizeConversion } from "./normalize";
import { type Params, readParams } from "./params";
import { type OptionsSchema, readOptions } from "./read-options";

/** The options `TokenAuthOptionsShape` (options.ts) adds to an adapter's schema. */
export interface TokenAuthOptions {
  tokenParam: string;
  requireToken: boolean;
  ipAllowlist: readonly string[];
}

/**
 * Parses a postback that arrives as query/form parameters and is authenticated by a shared
 * token and/or an IP allowlist (Admitad, CJ, impact.com). These networks differ only in the
 * parameter names and how they read them into a conversion; everything around that (options,
 * parameters read case-insensitively, authentication before any field is looked at, and the
 * same `auth` / `malformed` answers) lives here, so the three cannot drift apart.
 *
 * `readFields` reads the network's fields into a draft, recording every problem on `f` rather
 * than returning early; the draft is finalized only when `f` has no errors.
 *
 * @example
 * parseTokenPostback(request, settings, AdmitadOptionsSchema, (params, f, options) => ({
 *   orderId: f.text(params.first("order_id"), "order_id"),
 *   …
 * }))
 */
export async function parseTokenPostback<T extends TokenAuthOptions>(
  request: PostbackRequest,
  settings: NetworkSettings,
  schema: OptionsSchema<T>,
  readFields: (params: Params, f: FieldCollector, options: T) => NormalizedConversion,
): Promise<PostbackParse> {
  const options = readOptions(schema, settings.options);
  if (!options.ok) return { ok: false, kind: "auth", reason: options.reason };
  const read = readParams(request, { caseInsensitive: true, includeForm: true });
  // An unreadable request cannot carry a valid token: it is an auth failure, not a bad body.
  if (!read.ok) return { ok: false, kind: "auth", reason: `unreadable request: ${read.reason}` };
  const params = read.params;
  const auth = await checkTokenAndIp(settings.postbackSecret, {
    token: params.get(options.value.tokenParam),
    requireToken: options.value.requireToken,
    ipAllowlist: options.value.ipAllowlist,
    sourceIp: request.sourceIp,
  });
  if (!auth.ok) return { ok: false, kind: "auth", reason: auth.reason };

  const f = new FieldCollector();
  const draft = readFields(params, f, options.value);
  if (f.errors.length > 0)
    return { ok: false, kind: "malformed", reason: "invalid postback", fields: f.errors };
  const done = finalizeConversion(draft, request.receivedAtMs);
  if (!done.ok)
    return { ok: false, kind: "malformed", reason: "invalid postback", fields: done.fields };
  return { ok: true, conversions: [done.conversion] };
}

/**
 * The credential a token-authenticated network's postbacks carry: its `tokenParam`, read
 * case-insensitively like every other parameter. When the options do not validate, the
 * configured name (if any) and the default `token` are both redacted: a misconfigured network
 * still must not have its secret stored.
 *
 * @example
 * credentialParams: tokenCredentialParams(AdmitadOptionsSchema)
 */
export function tokenCredentialParams<T extends TokenAuthOptions>(
  schema: OptionsSchema<T>,
): (settings: NetworkSettings) => CredentialParams {
  return (settings) => {
    const options = readOptions(schema, settings.options);
    const configured = settings.options?.tokenParam;
    const params = options.ok
      ? [options.value.tokenParam]
      : ["token", ...(typeof configured === "string" ? [configured] : [])];
    return { params, headers: [], caseInsensitive: true };
  };
}
