import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import {
  CONSOLE_PASSWORD,
  ConsoleClient,
  createOperator,
  csrfOf,
  setCookiesOf,
  signedIn,
  uniqueEmail,
} from "./console-client";
import { ADMIN_HEADERS, api } from "./helpers";

describe("operators through the admin API", () => {
  test("created with a hashed password, listed without it; a taken e-mail is 409", async () => {
    const email = uniqueEmail("Create").toUpperCase();
    const operator = await createOperator("catalog", email);
    expect(operator.email).toBe(email.toLowerCase());
    expect(operator.role).toBe("catalog");
    const row = await env.DB.prepare(
      "SELECT password_hash, password_salt, password_iterations FROM operators WHERE id = ?",
    )
      .bind(operator.id)
      .first<{ password_hash: string; password_salt: string; password_iterations: number }>();
    expect(row?.password_hash).not.toContain(CONSOLE_PASSWORD);
    expect(row?.password_iterations).toBe(100_000);
    const list = await (await api("/admin/v1/operators", { headers: ADMIN_HEADERS })).text();
    expect(list).toContain(operator.id);
    expect(list).not.toContain("password");
    const again = await api("/admin/v1/operators", {
      method: "POST",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({
        email,
        displayName: "Dup",
        role: "viewer",
        password: CONSOLE_PASSWORD,
      }),
    });
    expect(again.status).toBe(409);
  });

  test("bad input is a 400 naming each field, nothing stored", async () => {
    const email = uniqueEmail("bad");
    const response = await api("/admin/v1/operators", {
      method: "POST",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({
        email,
        displayName: "",
        role: "owner",
        password: "short",
        timeZone: "Mars/Base",
      }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    const paths = ((await response.json()) as { errors: { path: string }[] }).errors
      .map((e) => e.path)
      .sort();
    expect(paths).toEqual(["displayName", "password", "role", "timeZone"]);
    const row = await env.DB.prepare("SELECT id FROM operators WHERE email = ?")
      .bind(email)
      .first();
    expect(row).toBeNull();
  });
});

describe("console sign-in", () => {
  test("the right password opens a session: HttpOnly Secure SameSite=Strict cookie, the overview", async () => {
    const operator = await createOperator("viewer");
    const client = new ConsoleClient();
    const response = await client.signIn(operator.email);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/console");
    const cookie = setCookiesOf(response).find((c) => c.startsWith("__Host-boomerang-console="));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/Secure/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\//);
    const page = await client.get("/console");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<h1>Overview</h1>");
  });

  test("pages carry a strict CSP, X-Frame-Options DENY and no-store", async () => {
    const { client } = await signedIn("viewer");
    for (const path of ["/console", "/console/sign-in", "/console/account"]) {
      const page = await client.get(path);
      const csp = page.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain("unsafe-inline");
      expect(page.headers.get("x-frame-options")).toBe("DENY");
      expect(page.headers.get("cache-control")).toBe("no-store");
    }
  });

  test("no session: every page sends the browser to sign in", async () => {
    const client = new ConsoleClient();
    for (const path of ["/console", "/console/operators", "/console/account"]) {
      const page = await client.get(path);
      expect(page.status).toBe(303);
      expect(page.headers.get("location")).toBe("/console/sign-in");
    }
  });

  test("a wrong password or unknown e-mail gets the same answer", async () => {
    const operator = await createOperator("viewer");
    const wrong = await new ConsoleClient().signIn(operator.email, "not-the-password-at-all");
    const unknown = await new ConsoleClient().signIn(
      uniqueEmail("nobody"),
      "not-the-password-at-all",
    );
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(await wrong.text()).toContain("Email or password is wrong");
    expect(await unknown.text()).toContain("Email or password is wrong");
  });

  test("five wrong passwords lock the account, even against the right one, until an admin unlocks it", async () => {
    const operator = await createOperator("viewer");
    const client = new ConsoleClient();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push((await client.signIn(operator.email, `wrong-password-${i}-xx`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 423]);
    const right = await client.signIn(operator.email);
    expect(right.status).toBe(423);
    expect(await right.text()).toContain("locked");
    const unlock = await api(`/admin/v1/operators/${operator.id}/unlock`, {
      method: "POST",
      headers: ADMIN_HEADERS,
    });
    expect(unlock.status).toBe(200);
    expect((await client.signIn(operator.email)).status).toBe(303);
  });

  test("sign-out revokes the session server side: the old cookie opens nothing", async () => {
    const { client } = await signedIn("viewer");
    const saved = new Map(client.cookies);
    const out = await client.post("/console/sign-out", {});
    expect(out.status).toBe(303);
    expect(out.headers.get("location")).toBe("/console/sign-in");
    const replay = new ConsoleClient();
    replay.cookies = saved;
    expect((await replay.get("/console")).status).toBe(303);
  });

  test("a form without its CSRF token is refused with 403 and changes nothing", async () => {
    const { client } = await signedIn("admin");
    const email = uniqueEmail("csrf");
    const fields = { email, displayName: "CSRF", role: "viewer", password: CONSOLE_PASSWORD };
    const refused = await client.post("/console/operators", fields, { csrf: "" });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("expired");
    const forged = await client.post("/console/operators", fields, { csrf: "not-the-token" });
    expect(forged.status).toBe(403);
    expect(
      await env.DB.prepare("SELECT id FROM operators WHERE email = ?").bind(email).first(),
    ).toBeNull();
    const sent = await client.post("/console/operators", fields, {
      fromPage: "/console/operators",
    });
    expect(sent.status).toBe(303);
    expect(
      await env.DB.prepare("SELECT id FROM operators WHERE email = ?").bind(email).first(),
    ).not.toBeNull();
  });

  test("the sign-in form needs its token too", async () => {
    const operator = await createOperator("viewer");
    const client = new ConsoleClient();
    const response = await client.post(
      "/console/sign-in",
      { email: operator.email, password: CONSOLE_PASSWORD },
      { csrf: "" },
    );
    expect(response.status).toBe(403);
  });

  test("a new role ends the operator's sessions; a disabled operator cannot sign in", async () => {
    const { client, operator } = await signedIn("viewer");
    const patch = await api(`/admin/v1/operators/${operator.id}`, {
      method: "PATCH",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({ role: "support" }),
    });
    expect(patch.status).toBe(200);
    expect((await client.get("/console")).status).toBe(303);
    await api(`/admin/v1/operators/${operator.id}`, {
      method: "PATCH",
      headers: ADMIN_HEADERS,
      body: JSON.stringify({ disabled: true }),
    });
    expect((await new ConsoleClient().signIn(operator.email)).status).toBe(401);
  });
});

describe("console operators page", () => {
  test("an admin creates an operator in the console; the audit log names the admin", async () => {
    const { client, operator: admin } = await signedIn("admin");
    const email = uniqueEmail("made-in-console");
    const made = await client.post(
      "/console/operators",
      { email, displayName: "Made", role: "finance", password: CONSOLE_PASSWORD },
      { fromPage: "/console/operators" },
    );
    expect(made.status).toBe(303);
    const list = await (await client.get("/console/operators")).text();
    expect(list).toContain(email);
    const audit = (await (
      await api(`/admin/v1/audit-log?actor=${encodeURIComponent(admin.email)}`, {
        headers: ADMIN_HEADERS,
      })
    ).json()) as { items: { path: string; status: number }[] };
    expect(audit.items.some((e) => e.path === "/admin/v1/operators" && e.status === 201)).toBe(
      true,
    );
  });

  test("bad input comes back as readable, per-field messages", async () => {
    const { client } = await signedIn("admin");
    const response = await client.post(
      "/console/operators",
      { email: "not-an-email", displayName: "X", role: "viewer", password: "short" },
      { fromPage: "/console/operators" },
    );
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain('role="alert"');
    expect(html).toContain("at least 12 characters");
    expect(csrfOf(html)).not.toBe("");
  });

  test("a viewer is refused the operators list and cannot create one", async () => {
    const { client } = await signedIn("viewer");
    const page = await client.get("/console/operators");
    expect(await page.text()).toContain("Forbidden");
    const refused = await client.post(
      "/console/operators",
      { email: uniqueEmail("nope"), displayName: "No", role: "admin", password: CONSOLE_PASSWORD },
      { fromPage: "/console" },
    );
    expect(refused.status).toBe(403);
  });
});

describe("console static files", () => {
  test("htmx and the stylesheet are served from the worker with a long cache", async () => {
    const js = await api("/console/static/htmx-2.0.11.min.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toContain("javascript");
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect(await js.text()).toContain("htmx");
    const css = await api("/console/static/console.css");
    expect(css.status).toBe(200);
    expect((await api("/console/static/nope.js")).status).toBe(404);
  });
});

describe("console account page", () => {
  test("an operator sets their time zone; a zone the runtime does not know is refused", async () => {
    const { client } = await signedIn("admin");
    const bad = await client.post(
      "/console/account/time-zone",
      { timeZone: "Mars/Base" },
      { fromPage: "/console/account" },
    );
    expect(bad.status).toBe(400);
    const saved = await client.post(
      "/console/account/time-zone",
      { timeZone: "Asia/Tokyo" },
      { fromPage: "/console/account" },
    );
    expect(saved.status).toBe(303);
    const account = await (await client.get("/console/account")).text();
    expect(account).toContain('value="Asia/Tokyo"');
  });

  test("changing one's password needs the current one and ends every session", async () => {
    const { client, operator } = await signedIn("viewer");
    const other = new ConsoleClient();
    expect((await other.signIn(operator.email)).status).toBe(303);
    const wrong = await client.post(
      "/console/account/password",
      { current: "not-my-password-at-all", next: "a-brand-new-password-42" },
      { fromPage: "/console/account" },
    );
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("not your current password");
    const changed = await client.post(
      "/console/account/password",
      { current: CONSOLE_PASSWORD, next: "a-brand-new-password-42" },
      { fromPage: "/console/account" },
    );
    expect(changed.status).toBe(303);
    expect((await other.get("/console")).status).toBe(303);
    expect((await new ConsoleClient().signIn(operator.email)).status).toBe(401);
    expect(
      (await new ConsoleClient().signIn(operator.email, "a-brand-new-password-42")).status,
    ).toBe(303);
  });
});

describe("sign-ins in the audit log", () => {
  test("a wrong password, a sign-in and a sign-out of a known operator are recorded; an unknown e-mail is not", async () => {
    const operator = await createOperator("support");
    const client = new ConsoleClient();
    await client.signIn(operator.email, "wrong-password-for-audit");
    await client.signIn(operator.email);
    await client.post("/console/sign-out", {});
    const unknown = uniqueEmail("ghost");
    await new ConsoleClient().signIn(unknown, "whatever-password-here");
    const read = async (actor: string) =>
      (
        (await (
          await api(`/admin/v1/audit-log?actor=${encodeURIComponent(actor)}`, {
            headers: ADMIN_HEADERS,
          })
        ).json()) as { items: { path: string; status: number; scope: string }[] }
      ).items;
    const entries = await read(operator.email);
    expect(entries.map((e) => `${e.path} ${e.status}`).reverse()).toEqual([
      "/console/sign-in 401",
      "/console/sign-in 303",
      "/console/sign-out 303",
    ]);
    expect(entries.every((e) => e.scope === "support")).toBe(true);
    expect(await read(unknown)).toEqual([]);
  });
});
