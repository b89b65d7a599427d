import type { CredentialParams } from "../types";

/**
 * Credentials out of what is stored. Token-authenticated networks (Admitad, Impact, CJ,
 * template `token`) put the shared postback secret in the query string or form body, and the
 * postback worker keeps that text for audit: without this, anyone who can read
 * `received_postbacks` could post conversions as the network.
 */

export const REDACTED = "[redacted]";

/** A network whose postbacks carry no credential in a parameter or header. */
export const NO_CREDENTIALS: CredentialParams = { params: [], headers: [], caseInsensitive: false };

/**
 * Replaces the value of every credential parameter in a query string (with or without its
 * leading `?`) or form body by `[redacted]`, leaving every other byte as received. Names are
 * compared as the adapters' parser decodes them (`%74oken` is `token`), so an
 * encoded name cannot slip a token past. A JSON body is returned unchanged: no adapter reads a
 * credential from one, and splitting it on `&` would corrupt it.
 *
 * @example
 * redactCredentialParams("?order_id=7&token=s3cret", { params: ["token"], headers: [], caseInsensitive: true })
 * // "?order_id=7&token=[redacted]"
 */
export function redactCredentialParams(text: string, credentials: CredentialParams): string {
  if (credentials.params.length === 0 || text.length === 0) return text;
  if (isJson(text)) return text;
  const fold = (name: string) => (credentials.caseInsensitive ? name.toLowerCase() : name);
  const secretNames = new Set(credentials.params.map(fold));
  const prefix = text.startsWith("?") ? "?" : "";
  return (
    prefix +
    text
      .slice(prefix.length)
      .split("&")
      .map((pair) => {
        const eq = pair.indexOf("=");
        const rawName = eq < 0 ? pair : pair.slice(0, eq);
        const name = formDecodedName(rawName);
        return name !== null && secretNames.has(fold(name)) ? `${rawName}=${REDACTED}` : pair;
      })
      .join("&")
  );
}

/**
 * Whether a header is a credential, so it is not stored.
 *
 * @example
 * isCredentialHeader("x-api-key", credentials)
 */
export function isCredentialHeader(name: string, credentials: CredentialParams): boolean {
  return credentials.headers.includes(name.toLowerCase());
}

/** Only a body that really is JSON is left alone: `[x]=1&token=…` is a form body. */
function isJson(text: string): boolean {
  if (!/^\s*[{[]/.test(text)) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** A parameter name exactly as the adapters' parser (URLSearchParams) reads it. */
function formDecodedName(rawName: string): string | null {
  if (rawName.length === 0) return null;
  return new URLSearchParams(`${rawName}=`).keys().next().value ?? null;
}
