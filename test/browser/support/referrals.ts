import { randomBytes } from "node:crypto";
import { asAdmin, asBackend, asUser, until } from "./user-api";

/**
 * Referral fixtures through the runtime's own APIs: a referral campaign added to the live rules
 * (once per run), and a referral held by its fraud signals — a referrer and a friend who sign up
 * on the same device (`deviceId`: the `shared_device` signal, weight 60 against the default
 * hold threshold of 50), the friend with the referrer's code, then the friend's qualifying
 * deposit. Nothing is credited to either until an operator decides.
 */

export const REFERRAL_RULE_ID = "browser-ref-deposit";
const MINUTE_MS = 60_000;

interface LiveRules {
  version: number;
  ruleSet: { timeZone: string; groups: Array<{ name: string; mode: string }>; rules: unknown[] };
}

/** The campaign: ₹10 to the referrer and ₹5 to the friend on a deposit while signed up. */
export async function ensureReferralCampaign(): Promise<void> {
  const live = await asAdmin<LiveRules>("/admin/v1/rules/live").catch(() => null);
  const rules = (live?.ruleSet.rules ?? []) as Array<{ id: string }>;
  if (rules.some((r) => r.id === REFERRAL_RULE_ID)) return;
  const groups = live?.ruleSet.groups ?? [{ name: "base", mode: "stackable" }];
  await asAdmin("/admin/v1/rules/draft", {
    method: "PUT",
    body: JSON.stringify({
      timeZone: live?.ruleSet.timeZone ?? "UTC",
      groups,
      rules: [
        ...rules,
        {
          id: REFERRAL_RULE_ID,
          name: "₹10 to the referrer on a friend's deposit",
          eventTypes: ["deposit.completed"],
          conditions: { all: [{ attr: "referral.state", op: "eq", value: "signed_up" }] },
          effects: [
            {
              kind: "referral_reward",
              programId: "default",
              referrer: { amountMinor: 1_000, currency: "INR" },
              referee: { amountMinor: 500, currency: "INR" },
            },
          ],
          priority: 10,
          group: groups[0]?.name ?? "base",
          active: true,
        },
      ],
      basedOnVersion: live?.version ?? null,
    }),
  });
  await asAdmin("/admin/v1/rules/publish", {
    method: "POST",
    body: JSON.stringify({ note: "browser tests: a referral campaign" }),
  });
}

const event = (type: string, userId: string, atMs: number, data: object) => ({
  id: `evt_${type.replace(/\W/g, "_")}_${randomBytes(6).toString("hex")}`,
  type,
  userId,
  occurredAt: new Date(atMs).toISOString(),
  data,
});

interface AdminReferralList {
  items: Array<{ referralId: string; state: string }>;
}

/**
 * A referral held for review: its referrer, referee and id. The referrer's identifiers reach
 * D1 through the wallet's outbox, so the friend signs up once they are there (a friend who
 * came too early is not held: another friend is tried, up to three).
 *
 * @example
 * const { referralId, referrer } = await heldReferral();
 */
export async function heldReferral(): Promise<{
  referrer: string;
  referee: string;
  referralId: string;
}> {
  await ensureReferralCampaign();
  const tag = randomBytes(4).toString("hex");
  const referrer = `u-brr-${tag}`;
  const deviceId = `device-${tag}`;
  const now = Date.now();
  await asBackend(
    event("user.signed_up", referrer, now - 120 * MINUTE_MS, { displayName: "Asha", deviceId }),
  );
  const { code } = await asUser<{ code: string }>(referrer, "/v1/me/referrals");
  await until(
    () => asAdmin(`/admin/v1/users/${referrer}`).catch(() => null),
    "the referrer's projection",
  );
  for (let attempt = 1; attempt <= 3; attempt++) {
    await new Promise((r) => setTimeout(r, 1_000 * attempt));
    const referee = `u-bre-${tag}-${attempt}`;
    await asBackend(
      event("user.signed_up", referee, now - 30 * MINUTE_MS, {
        displayName: "Ravi",
        deviceId,
        referralCode: code,
      }),
    );
    await asBackend(
      event("deposit.completed", referee, now - 10 * MINUTE_MS, {
        amountMinor: 50_000,
        currency: "INR",
      }),
    );
    const referralId = `ref_${referee}`;
    const state = await until(async () => {
      const { items } = await asAdmin<AdminReferralList>(
        `/admin/v1/referrals?referrerId=${referrer}`,
      );
      const found = items.find((i) => i.referralId === referralId);
      return found && found.state !== "signed_up" ? found.state : null;
    }, `the referral ${referralId} to qualify or be held`);
    if (state === "held") return { referrer, referee, referralId };
  }
  throw new Error("no referral was held: the referrer's identifiers never reached D1");
}
