/**
 * Credentials out of a received postback before an operator sees it. The intake already
 * redacts the parameters each network's adapter names (#shared/networks/core/redact, shown as
 * "[redacted]"); this is the console's own guard, by name, for JSON bodies (which the intake
 * keeps as received), headers in text, and a network that names its secrets differently.
 * Pure, so one table test holds it.
 */

export const REDACTED = "•••";

/** Parameter and header names that carry credentials. */
const SECRET_NAME =
  /(sig(nature)?|secret|token|passw(or)?d|pwd|api[_ -]?key|auth(orization)?|credential|hmac|bearer)/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

function redactJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJson);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, isSecretName(k) ? REDACTED : redactJson(v)]),
    );
  }
  return value;
}

const FORM = /^\??[^\s=&]+=[^\s&]*(&[^\s=&]+=[^\s&]*)*$/;

/** A parameter name as a form parser reads it (`%74oken` and `to+ken` decoded). */
const formName = (raw: string) => new URLSearchParams(`${raw}=`).keys().next().value ?? raw;

/** A query string (GET postbacks are kept as their query) or form body, pair by pair. */
function redactForm(body: string): string {
  const prefix = body.startsWith("?") ? "?" : "";
  return (
    prefix +
    body
      .slice(prefix.length)
      .split("&")
      .map((pair) => {
        const name = pair.slice(0, pair.indexOf("="));
        return isSecretName(formName(name)) ? `${name}=${REDACTED}` : pair;
      })
      .join("&")
  );
}

/** `name: value` and `name=value` anywhere in free text (headers, logs, XML-ish bodies). */
const TEXT_PAIR = /(["']?)([A-Za-z0-9_.-]+)\1(\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s&,;<]+)/g;

/** A header line: its whole value is the credential (`Authorization: Bearer x`, `t=1,v1=…`). */
const HEADER_LINE = /^([A-Za-z0-9_-]+)(:[ \t]*)(.+)$/gm;

function redactText(body: string): string {
  const headersDone = body.replace(HEADER_LINE, (whole, name: string, sep: string) =>
    isSecretName(name) ? `${name}${sep}${REDACTED}` : whole,
  );
  return headersDone.replace(TEXT_PAIR, (whole, quote: string, name: string, sep: string) =>
    isSecretName(name) ? `${quote}${name}${quote}${sep}${REDACTED}` : whole,
  );
}

/**
 * The body with every credential's value replaced by "•••": JSON keys at any depth (the body
 * is then shown pretty-printed), form parameters, and `name: value` pairs in other text.
 * Escaping for HTML is the page's job (JSX escapes text).
 *
 * @example
 * redactCredentials('{"order_id":"A-1","token":"abc"}'); // '{\n  "order_id": "A-1",\n  "token": "•••"\n}'
 * redactCredentials("order_id=A-1&signature=abc"); // "order_id=A-1&signature=•••"
 */
export function redactCredentials(body: string): string {
  const trimmed = body.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.stringify(redactJson(JSON.parse(trimmed)), null, 2);
    } catch {
      // Not JSON after all: treated as text below.
    }
  }
  if (FORM.test(trimmed)) return redactForm(trimmed);
  return redactText(body);
}
