import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import { NOTIFICATION_TYPE_NAMES } from "#shared/notify/catalog";
import { DEFAULT_TEMPLATES } from "#shared/notify/templates";
import { loadTemplateBook } from "#workers/api/src/features/notifications/templates-store";
import { TEST_KEYS, withKey } from "./access-keys";
import { api } from "./helpers";

/**
 * Notification templates through the api worker (docs/notifications.md, "Templates"): the
 * type list, saves validated (an unknown variable is a 422 naming it and its field, and
 * nothing is saved), deletes back to the fallback, the preview with sample values, the audit
 * log, and the book the consumer loads (a D1 read only after a save). Locales are private-use
 * languages (`qaa`–`qtz`), one per test, so tests sharing the database do not meet.
 */

const BASE = "/admin/v1/notifications/templates";

interface Problem {
  code: string;
  detail: string;
  errors?: Array<{ path: string; message: string }>;
}

function put(path: string, body: unknown, key: string = TEST_KEYS.catalog) {
  return api(`${BASE}/${path}`, withKey(key, { method: "PUT", body: JSON.stringify(body) }));
}

function get(path: string, key: string = TEST_KEYS.reader) {
  return api(`${BASE}${path}`, withKey(key));
}

function preview(body: unknown, key: string = TEST_KEYS.viewer) {
  return api(`${BASE}/preview`, withKey(key, { method: "POST", body: JSON.stringify(body) }));
}

async function problem(response: Response, status: number, code: string): Promise<Problem> {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  const body = (await response.json()) as Problem;
  expect(body.code).toBe(code);
  return body;
}

async function auditOf(path: string) {
  const response = await api(
    `/admin/v1/audit-log?pathPrefix=${encodeURIComponent(path)}`,
    withKey(TEST_KEYS.reader),
  );
  expect(response.status).toBe(200);
  return (
    (await response.json()) as {
      items: Array<{
        method: string;
        status: number;
        problem: { code: string } | null;
        before: unknown;
        after: unknown;
      }>;
    }
  ).items;
}

describe("the type list", () => {
  test("every type with its category, variables, built-in template and saved locales", async () => {
    expect((await put("payout_paid/qaa", { title: "Paid", body: "{{amount}}" })).status).toBe(200);
    const response = await get("");
    expect(response.status).toBe(200);
    const { items } = (await response.json()) as {
      items: Array<{
        type: string;
        category: string;
        variables: Array<{ name: string; kind: string }>;
        builtin: { title: string };
        locales: Array<{ locale: string; updatedBy: string }>;
      }>;
    };
    expect(items.map((i) => i.type)).toEqual(NOTIFICATION_TYPE_NAMES);
    const paid = items.find((i) => i.type === "payout_paid");
    expect(paid?.category).toBe("transactional");
    expect(paid?.variables).toEqual([
      { name: "amount", kind: "money" },
      { name: "destination", kind: "text" },
    ]);
    expect(paid?.builtin.title).toBe(DEFAULT_TEMPLATES.payout_paid.title);
    expect(paid?.locales.map((l) => l.locale)).toContain("qaa");
    expect(items.find((i) => i.type === "step_up_code")?.category).toBe("critical");
  });

  test("an unknown type is a 404", async () => {
    await problem(await get("/no_such_type"), 404, "not_found");
    await problem(await put("no_such_type/en", { title: "x", body: "y" }), 404, "not_found");
  });
});

describe("saving", () => {
  test("an unknown variable is a 422 naming it and its field, and nothing is saved", async () => {
    const response = await put("payout_paid/qab-IN", {
      title: "Paid {{amount}} {{bonus}}",
      body: "{{amount}} to {{iban}} and {{sortCode}}",
    });
    const body = await problem(response, 422, "unknown_template_variables");
    expect(body.errors).toEqual([
      {
        path: "title",
        message: "unknown variable {{bonus}}; payout_paid has amount, destination",
      },
      {
        path: "body",
        message: "unknown variables {{iban}}, {{sortCode}}; payout_paid has amount, destination",
      },
    ]);
    await problem(await get("/payout_paid/qab-IN"), 404, "not_found");
    // The refusal is in the audit log like any admin write.
    const [entry] = await auditOf(`${BASE}/payout_paid/qab-IN`);
    expect(entry).toMatchObject({
      method: "PUT",
      status: 422,
      problem: { code: "unknown_template_variables" },
      before: null,
      after: null,
    });
  });

  test("a valid template saves, normalised, audited with before and after", async () => {
    const first = await put("payout_failed/QAC-in", {
      title: "भुगतान विफल",
      body: "{{amount}} → {{destination}}: {{reason}}",
      url: "https://app.example/payouts",
    });
    expect(first.status).toBe(200);
    const saved = (await first.json()) as Record<string, unknown>;
    expect(saved).toMatchObject({
      type: "payout_failed",
      locale: "qac-IN",
      title: "भुगतान विफल",
      url: "https://app.example/payouts",
    });
    expect(typeof saved.updatedBy).toBe("string");

    const second = await put("payout_failed/qac-IN", { title: "Failed", body: "{{reason}}" });
    expect(second.status).toBe(200);
    const read = (await (await get("/payout_failed/qac-IN")).json()) as Record<string, unknown>;
    expect(read).toMatchObject({ title: "Failed", body: "{{reason}}", url: null });

    const entries = await auditOf(`${BASE}/payout_failed/qac-IN`);
    expect(entries[0]).toMatchObject({
      method: "PUT",
      status: 200,
      before: { title: "भुगतान विफल" },
      after: { title: "Failed" },
    });
  });

  test.each([
    { label: "empty body", path: "payout_paid/qad", body: { title: "x", body: " " }, at: "body" },
    {
      label: "broken placeholder",
      path: "payout_paid/qad",
      body: { title: "x", body: "{{amount} paid" },
      at: "body",
    },
    {
      label: "title over 200",
      path: "payout_paid/qad",
      body: { title: "x".repeat(201), body: "y" },
      at: "title",
    },
    {
      label: "not a BCP 47 locale",
      path: "payout_paid/english!",
      body: { title: "x", body: "y" },
      at: "locale",
    },
    {
      label: "an unknown field",
      path: "payout_paid/qad",
      body: { title: "x", body: "y", subject: "z" },
      at: "(root)",
    },
  ])("$label is a 400 at $at", async ({ path, body, at }) => {
    const refused = await problem(await put(path, body), 400, "validation_failed");
    expect(refused.errors?.map((e) => e.path)).toContain(at);
  });

  test("only catalog and admin save or delete; everyone reads", async () => {
    for (const key of [TEST_KEYS.viewer, TEST_KEYS.support, TEST_KEYS.finance]) {
      await problem(
        await put("tier_changed/qae", { title: "t", body: "b" }, key),
        403,
        "forbidden",
      );
    }
    expect((await put("tier_changed/qae", { title: "t", body: "{{toTier}}" })).status).toBe(200);
    expect((await get("/tier_changed/qae", TEST_KEYS.viewer)).status).toBe(200);
    const refused = await api(
      `${BASE}/tier_changed/qae`,
      withKey(TEST_KEYS.support, { method: "DELETE" }),
    );
    await problem(refused, 403, "forbidden");
  });
});

describe("deleting", () => {
  test("removes the template (audited) and the lookup falls back", async () => {
    expect((await put("points_earned/qaf", { title: "qaf", body: "{{points}}" })).status).toBe(200);
    const del = () =>
      api(`${BASE}/points_earned/qaf`, withKey(TEST_KEYS.catalog, { method: "DELETE" }));
    expect((await del()).status).toBe(204);
    await problem(await get("/points_earned/qaf"), 404, "not_found");
    await problem(await del(), 404, "not_found");
    const [entry] = await auditOf(`${BASE}/points_earned/qaf`);
    expect(entry).toMatchObject({ method: "DELETE", status: 404 });
    const deleted = (await auditOf(`${BASE}/points_earned/qaf`)).find((e) => e.status === 204);
    expect(deleted).toMatchObject({ before: { title: "qaf" }, after: null });
  });
});

describe("preview", () => {
  test("an unsaved template with sample values, in the locale and zone chosen", async () => {
    const response = await preview({
      type: "points_expiring",
      locale: "en-IN",
      timeZone: "Asia/Kolkata",
      currency: "INR",
      template: {
        title: "{{points}} points",
        body: "{{points}} points expire on {{expiresAt}} ({{daysLeft}} days).",
      },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      source: string;
      rendered: { title: string; body: string; url: string | null };
      sample: Record<string, unknown>;
    };
    expect(body.source).toBe("draft");
    const date = new Intl.DateTimeFormat("en-IN", {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: "Asia/Kolkata",
    }).format(new Date(Date.UTC(2026, 2, 29, 0, 45)));
    expect(body.rendered).toEqual({
      title: "1,250 points",
      body: `1,250 points expire on ${date} (1,250 days).`,
      url: null,
    });
    expect(date).toContain("6:15");
  });

  test("money in the currency given, texts as their names", async () => {
    const response = await preview({
      type: "cashback_earned",
      locale: "en",
      currency: "EUR",
      template: { title: "t", body: "{{cashback}} at {{merchantName}}" },
    });
    expect(((await response.json()) as { rendered: { body: string } }).rendered.body).toBe(
      "€1,234.56 at [merchantName]",
    );
  });

  test("without a template: what a message would use, after the fallback chain", async () => {
    expect(
      (await put("referral_rewarded/qag", { title: "qag", body: "{{reward}} {{refereeName}}" }))
        .status,
    ).toBe(200);
    const saved = (await (
      await preview({ type: "referral_rewarded", locale: "qag-IN" })
    ).json()) as {
      source: string;
      templateLocale: string;
      rendered: { body: string };
    };
    expect(saved).toMatchObject({
      source: "operator",
      templateLocale: "qag",
      rendered: { body: "[reward] [refereeName]" },
    });
    const builtin = (await (
      await preview({ type: "referral_rewarded", locale: "qah" })
    ).json()) as {
      source: string;
      templateLocale: string;
      rendered: { title: string };
    };
    expect(builtin).toMatchObject({
      source: "builtin",
      templateLocale: "en",
      rendered: { title: DEFAULT_TEMPLATES.referral_rewarded.title },
    });
  });

  test("a draft with an unknown variable is a 422; a bad zone a 400; nothing is audited", async () => {
    const unknown = await problem(
      await preview({
        type: "payout_paid",
        locale: "qai",
        template: { title: "t", body: "{{x}}" },
      }),
      422,
      "unknown_template_variables",
    );
    expect(unknown.errors?.[0]?.path).toBe("body");
    const zone = await problem(
      await preview({ type: "payout_paid", locale: "qai", timeZone: "Mars/Olympus" }),
      400,
      "validation_failed",
    );
    expect(zone.errors?.[0]?.path).toBe("timeZone");
    expect(await auditOf(`${BASE}/preview`)).toEqual([]);
  });
});

describe("the book the notification consumer loads", () => {
  /** env.DB with its statements counted, to see when the book reads D1. */
  function countingEnv() {
    let reads = 0;
    const db = new Proxy(env.DB, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (prop === "prepare" || prop === "batch") {
          return (...args: unknown[]) => {
            reads += 1;
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    return { env: { DB: db, CONFIG_KV: env.CONFIG_KV }, reads: () => reads };
  }

  test("reads D1 only after a save, and falls back exact → language → default → built-in", async () => {
    const counted = countingEnv();
    await loadTemplateBook(counted.env);
    const afterFirst = counted.reads();
    const book = await loadTemplateBook(counted.env, "qaj");
    expect(counted.reads(), "no D1 read while nothing was saved").toBe(afterFirst);
    expect(book.templateFor("claim_decided", "qak-IN").source).toBe("builtin");

    expect((await put("claim_decided/qaj", { title: "default", body: "{{orderId}}" })).status).toBe(
      200,
    );
    expect(
      (await put("claim_decided/qak", { title: "language", body: "{{orderId}}" })).status,
    ).toBe(200);
    expect(
      (await put("claim_decided/qak-IN", { title: "exact", body: "{{decision}}" })).status,
    ).toBe(200);
    const fresh = await loadTemplateBook(counted.env, "qaj");
    expect(counted.reads(), "the save invalidated the book").toBeGreaterThan(afterFirst);
    const cases = [
      { locale: "qak-IN", title: "exact" },
      { locale: "qak-PK", title: "language" },
      { locale: "qal", title: "default" },
    ];
    for (const { locale, title } of cases) {
      expect(fresh.templateFor("claim_decided", locale).template.title, locale).toBe(title);
    }
    expect(
      (await loadTemplateBook(counted.env)).templateFor("claim_decided", "qal").template,
    ).toEqual(DEFAULT_TEMPLATES.claim_decided);

    const rendered = fresh.render(
      "claim_decided",
      { orderId: "A-1", decision: "approved", reason: "ok" },
      "qak-IN",
      "UTC",
    );
    expect(rendered).toMatchObject({ title: "exact", body: "approved" });
  });
});
