import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { forgetCachedConfig } from "#shared/config/config-store";
import {
  loadVersionedReferralProgram,
  referralProgramKvKey,
} from "#shared/referrals/live-program-settings";
import {
  DEFAULT_REFERRAL_PROGRAM,
  type ReferralProgramSettings,
} from "#shared/referrals/program-settings";
import { TEST_KEYS, withKey } from "./access-keys";
import { exchange } from "./contract-exchange";
import { ContractValidator, type OpenApiDocument } from "./contract-validator";
import { api } from "./helpers";

/**
 * The referral program's settings through the real api worker (docs/referrals.md "Program
 * settings"): validated (https destinations, bounded windows), saved as versions with
 * optimistic concurrency, propagated to the config cache the share link reads, readable by
 * every role and writable by catalog, audited. Every answer is checked against the served
 * OpenAPI document. The tests run in order and share one D1.
 */

let validator: ContractValidator;

beforeAll(async () => {
  validator = new ContractValidator((await (await api("/openapi.json")).json()) as OpenApiDocument);
});

// biome-ignore lint/suspicious/noExplicitAny: test reads of JSON answers.
type Answer = { status: number; body: any };

async function admin(method: "GET" | "PUT", path: string, body?: unknown): Promise<Answer> {
  const {
    response,
    body: json,
    verdict,
  } = await exchange(validator, {
    method,
    path,
    as: "admin",
    ...(body === undefined ? {} : { body }),
  });
  expect(verdict.responseErrors, `${method} ${path} → ${response.status}`).toEqual([]);
  return { status: response.status, body: json };
}

const SETTINGS: ReferralProgramSettings = {
  programId: "default",
  attribution: { touch: "last", windowDays: 14, probabilisticWindowHours: 6 },
  destinations: {
    webSignupUrl: "https://app.example.com/signup",
    iosAppStoreUrl: "https://apps.apple.com/app/id123456789",
    androidPlayStoreUrl: "https://play.google.com/store/apps/details?id=com.example.app",
  },
};

function settingsWith(change: (s: ReferralProgramSettings) => void): ReferralProgramSettings {
  const s = structuredClone(SETTINGS);
  change(s);
  return s;
}

describe("referral program settings", () => {
  it("serves version 0 with the defaults before anything is saved", async () => {
    const read = await admin("GET", "/admin/v1/referrals/program");
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      version: 0,
      settings: DEFAULT_REFERRAL_PROGRAM,
      savedAt: null,
      savedBy: null,
      note: null,
    });
  });

  it.each([
    {
      label: "http destinations and out-of-range windows",
      settings: settingsWith((s) => {
        s.destinations.webSignupUrl = "http://app.example.com/signup";
        s.destinations.iosAppStoreUrl = "javascript:alert(1)";
        s.attribution.windowDays = 366;
        s.attribution.probabilisticWindowHours = 73;
      }),
      paths: [
        "settings.attribution.probabilisticWindowHours",
        "settings.attribution.windowDays",
        "settings.destinations.iosAppStoreUrl",
        "settings.destinations.webSignupUrl",
      ],
    },
    {
      label: "zero windows, an unknown touch, another program",
      settings: settingsWith((s) => {
        s.attribution.windowDays = 0;
        s.attribution.probabilisticWindowHours = 0;
        (s.attribution as { touch: string }).touch = "middle";
        (s as { programId: string }).programId = "summer";
      }),
      paths: [
        "settings.attribution.probabilisticWindowHours",
        "settings.attribution.touch",
        "settings.attribution.windowDays",
        "settings.programId",
      ],
    },
  ])(
    "refuses $label with a 400 problem naming every path, and saves nothing",
    async ({ settings, paths }) => {
      const saved = await admin("PUT", "/admin/v1/referrals/program", { settings });
      expect(saved.status).toBe(400);
      expect(saved.body.code).toBe("validation_failed");
      expect((saved.body.errors as { path: string }[]).map((e) => e.path).sort()).toEqual(paths);
      expect((await admin("GET", "/admin/v1/referrals/program")).body.version).toBe(0);
    },
  );

  it("answers a body that is not JSON with a problem, not a 500", async () => {
    const response = await api("/admin/v1/referrals/program", {
      method: "PUT",
      headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, "content-type": "application/json" },
      body: "{not json",
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
  });

  it("saves a new version, propagates it to the config cache, and lists versions", async () => {
    const saved = await admin("PUT", "/admin/v1/referrals/program", {
      settings: SETTINGS,
      expectedVersion: 0,
      note: "launch",
    });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ version: 1, settings: SETTINGS, note: "launch" });
    expect(saved.body.savedBy).toEqual(expect.any(String));

    const cached = await env.CONFIG_KV.get<{ version: number }>(referralProgramKvKey(), "json");
    expect(cached?.version).toBe(1);
    forgetCachedConfig([referralProgramKvKey()]);
    expect(await loadVersionedReferralProgram(env, () => undefined)).toEqual({
      version: 1,
      settings: SETTINGS,
    });

    // The same settings again make no new version.
    const again = await admin("PUT", "/admin/v1/referrals/program", { settings: SETTINGS });
    expect(again.body.version).toBe(1);

    const second = settingsWith((s) => {
      s.attribution.windowDays = 30;
    });
    const next = await admin("PUT", "/admin/v1/referrals/program", {
      settings: second,
      expectedVersion: 1,
    });
    expect(next.body.version).toBe(2);
    expect((await admin("GET", "/admin/v1/referrals/program")).body).toMatchObject({
      version: 2,
      settings: second,
    });

    const list = await admin("GET", "/admin/v1/referrals/program/versions?limit=1");
    expect(list.body.items).toMatchObject([{ version: 2, current: true }]);
    const rest = await admin(
      "GET",
      `/admin/v1/referrals/program/versions?cursor=${list.body.nextCursor}`,
    );
    expect(rest.body.items).toMatchObject([{ version: 1, current: false, note: "launch" }]);
    expect(rest.body.nextCursor).toBeNull();
  });

  it("refuses a save made from an older version (a lost update) with 409", async () => {
    const stale = await admin("PUT", "/admin/v1/referrals/program", {
      settings: SETTINGS,
      expectedVersion: 1,
    });
    expect(stale.status).toBe(409);
    expect(stale.body.code).toBe("conflict");
    expect((await admin("GET", "/admin/v1/referrals/program")).body.version).toBe(2);
  });

  it("lets catalog change the program and every role read it; the change is audited", async () => {
    const body = JSON.stringify({ settings: SETTINGS, expectedVersion: 2 });
    for (const key of [TEST_KEYS.viewer, TEST_KEYS.support, TEST_KEYS.finance]) {
      const refused = await api(
        "/admin/v1/referrals/program",
        withKey(key, { method: "PUT", body }),
      );
      expect(refused.status).toBe(403);
      const read = await api("/admin/v1/referrals/program", withKey(key));
      expect(read.status).toBe(200);
    }
    expect((await admin("GET", "/admin/v1/referrals/program")).body.version).toBe(2);
    const catalog = await api(
      "/admin/v1/referrals/program",
      withKey(TEST_KEYS.catalog, { method: "PUT", body }),
    );
    expect(catalog.status).toBe(200);
    expect(((await catalog.json()) as { version: number }).version).toBe(3);

    const audit = (await (
      await api(
        "/admin/v1/audit-log?pathPrefix=/admin/v1/referrals/program",
        withKey(TEST_KEYS.reader),
      )
    ).json()) as {
      items: { actor: string; status: number; operationId: string | null; after: unknown }[];
    };
    expect(audit.items[0]).toMatchObject({
      actor: "test-catalog",
      status: 200,
      operationId: "putReferralProgram",
      after: { version: 3 },
    });
    expect(audit.items.some((e) => e.status === 403)).toBe(true);
  });
});
