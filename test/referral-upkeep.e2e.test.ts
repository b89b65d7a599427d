import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { ReferralProgramSettings } from "#shared/referrals/program-settings";
import { ensureReferralCode } from "#workers/api/src/features/referrals/index";
import apiWorker, { CRONS } from "#workers/api/src/index";
import redirectWorker from "#workers/redirect/src/index";
import { adminPut, uniqueUser } from "./helpers";

/**
 * Referral upkeep through the real workers (docs/referrals.md): link-preview bots on `/r/:code`
 * get the invite page with no click recorded, and the retention cron deletes referral clicks
 * past the program's attribution window (plus a week's grace), oldest first.
 */

const DAY_MS = 86_400_000;
const SETTINGS: ReferralProgramSettings = {
  programId: "default",
  attribution: { touch: "first", windowDays: 30, probabilisticWindowHours: 2 },
  destinations: {
    webSignupUrl: "https://app.example.com/signup",
    iosAppStoreUrl: null,
    androidPlayStoreUrl: null,
  },
};
const HUMAN =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36";

let code = "";
beforeAll(async () => {
  expect((await adminPut("/admin/v1/referrals/program", { settings: SETTINGS })).status).toBe(200);
  ({ code } = await ensureReferralCode(env, uniqueUser("upkeep")));
});

/** Opens the share link with a CLICKS queue that records what it is sent. */
async function openRecording(userAgent: string) {
  const sent: unknown[] = [];
  const recording = { ...env, CLICKS: { send: async (m: unknown) => void sent.push(m) } };
  const ctx = createExecutionContext();
  const response = await redirectWorker.fetch(
    new Request(`https://go.test/r/${code}`, {
      headers: { "user-agent": userAgent, "cf-connecting-ip": "198.51.100.9" },
    }) as Request<unknown, IncomingRequestCfProperties>,
    recording as unknown as typeof env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { response, sent };
}

describe("link-preview bots on /r/:code", () => {
  it.each([
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "WhatsApp/2.23.20.0 A",
    "Twitterbot/1.0",
  ])("%s gets the invite page; no click is recorded", async (ua) => {
    const { response, sent } = await openRecording(ua);
    expect(response.status).toBe(200);
    expect(response.headers.get("location")).toBeNull();
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(await response.text()).toContain("invited");
    expect(sent).toEqual([]);
  });

  it("a person's visit is still a click", async () => {
    const { response, sent } = await openRecording(HUMAN);
    expect(response.status).toBe(302);
    expect(sent).toEqual([expect.objectContaining({ kind: "referral_click", code })]);
  });
});

describe("referral click retention", () => {
  async function insertClick(clickId: string, clickedAtMs: number) {
    await env.DB.prepare(
      `INSERT INTO referral_clicks (click_id, code, referrer_id, program_id, platform, fingerprint, clicked_at_ms)
       VALUES (?, ?, 'u-x', 'default', 'web', 'fp', ?)`,
    )
      .bind(clickId, code, clickedAtMs)
      .run();
  }
  const remaining = async () =>
    (
      await env.DB.prepare(
        `SELECT click_id FROM referral_clicks WHERE click_id LIKE 'ret-%' ORDER BY click_id`,
      ).all<{ click_id: string }>()
    ).results.map((r) => r.click_id);

  async function runRetentionAt(scheduledTimeMs: number) {
    const reports: Array<Record<string, unknown>> = [];
    vi.spyOn(console, "log").mockImplementation((line: unknown) => {
      const parsed = JSON.parse(String(line)) as Record<string, unknown>;
      if (parsed.event === "cron.referral_click_retention") reports.push(parsed);
    });
    const ctx = createExecutionContext();
    await apiWorker.scheduled(
      createScheduledController({ cron: CRONS.postbackRetention, scheduledTime: scheduledTimeMs }),
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    vi.restoreAllMocks();
    return reports[0];
  }

  it("deletes clicks past the longest window plus a week's grace, and keeps the rest", async () => {
    const nowMs = Date.now();
    await insertClick("ret-a-40d", nowMs - 40 * DAY_MS);
    await insertClick("ret-b-36d", nowMs - 36 * DAY_MS);
    await insertClick("ret-c-1d", nowMs - DAY_MS);

    // A 60-day window keeps all three.
    await adminPut("/admin/v1/referrals/program", {
      settings: { ...SETTINGS, attribution: { ...SETTINGS.attribution, windowDays: 60 } },
    });
    await runRetentionAt(nowMs);
    expect(await remaining()).toEqual(["ret-a-40d", "ret-b-36d", "ret-c-1d"]);

    // 30 days + 7 of grace: the 40-day-old click goes, the 36-day-old one stays.
    await adminPut("/admin/v1/referrals/program", { settings: SETTINGS });
    const report = await runRetentionAt(nowMs);
    expect(await remaining()).toEqual(["ret-b-36d", "ret-c-1d"]);
    expect(report).toMatchObject({ deleted: 1, more: false, cutoffMs: nowMs - 37 * DAY_MS });

    // Again: nothing more to do.
    expect(await runRetentionAt(nowMs)).toMatchObject({ deleted: 0, more: false });
  });
});
