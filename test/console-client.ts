import { ADMIN_HEADERS, api } from "./helpers";

/**
 * A console client for server-side tests: creates an operator through the admin API, signs
 * in through the sign-in form, keeps the session cookie, and sends forms with the page's
 * CSRF token, as a browser would (the browser tests in test/browser/ do it for real).
 */
export const CONSOLE_PASSWORD = "console-test-password-0123";

export type Role = "admin" | "catalog" | "support" | "finance" | "viewer";

let counter = 0;
export function uniqueEmail(label: string): string {
  counter += 1;
  return `${label}-${Date.now().toString(36)}-${counter}@ops.test`;
}

export async function createOperator(role: Role, email = uniqueEmail(role)) {
  const response = await api(`/admin/v1/operators`, {
    method: "POST",
    headers: ADMIN_HEADERS,
    body: JSON.stringify({ email, displayName: `Test ${role}`, role, password: CONSOLE_PASSWORD }),
  });
  if (response.status !== 201)
    throw new Error(`operator not created: ${response.status} ${await response.text()}`);
  return (await response.json()) as { id: string; email: string; role: Role };
}

/** The value of a hidden `_csrf` input in a page, or "" when there is none. */
export function csrfOf(html: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? "";
}

/** Every Set-Cookie line of a response (workerd has getSetCookie; the type library lags). */
export function setCookiesOf(response: Response): string[] {
  return (response.headers as unknown as { getSetCookie(): string[] }).getSetCookie();
}

export class ConsoleClient {
  cookies = new Map<string, string>();

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  private keep(response: Response): void {
    for (const line of setCookiesOf(response)) {
      const [pair] = line.split(";");
      const eq = pair?.indexOf("=") ?? -1;
      if (!pair || eq < 0) continue;
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (/max-age=0/i.test(line) || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(path: string): Promise<Response> {
    const response = await api(path, {
      headers: { cookie: this.cookieHeader() },
      redirect: "manual",
    });
    this.keep(response);
    return response;
  }

  /**
   * Posts a form; `csrf` defaults to the token of `fromPage` (fetched first), pass "" to omit.
   * Pairs (`[["hold", "a"], ["hold", "b"]]`) send a field more than once, as checkboxes do.
   */
  async post(
    path: string,
    fields: Record<string, string> | Array<[string, string]>,
    options: { csrf?: string; fromPage?: string } = {},
  ): Promise<Response> {
    let token = options.csrf;
    if (token === undefined) {
      const page = await this.get(options.fromPage ?? "/console");
      token = csrfOf(await page.text());
    }
    const body = new URLSearchParams(fields);
    if (token) body.set("_csrf", token);
    const response = await api(path, {
      method: "POST",
      headers: { cookie: this.cookieHeader(), "content-type": "application/x-www-form-urlencoded" },
      body: body.toString(),
      redirect: "manual",
    });
    this.keep(response);
    return response;
  }

  /** Signs in through the form; the response of the form post. */
  async signIn(email: string, password = CONSOLE_PASSWORD): Promise<Response> {
    return this.post("/console/sign-in", { email, password }, { fromPage: "/console/sign-in" });
  }
}

/** A signed-in console client for a new operator of `role`. */
export async function signedIn(
  role: Role,
): Promise<{ client: ConsoleClient; operator: { id: string; email: string } }> {
  const operator = await createOperator(role);
  const client = new ConsoleClient();
  const response = await client.signIn(operator.email);
  if (response.status !== 303) throw new Error(`sign-in failed: ${response.status}`);
  return { client, operator };
}
