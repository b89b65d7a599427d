import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Assessment, Observation } from "#shared/fraud/risk-contract";
import { publishRuleSet } from "./referral-helpers";

type Assess = (observation: Observation) => Promise<Assessment>;

/**
 * Replaces `assess` for one user's risk object (the outage, or scoring's answer, forced on the
 * live class: RPC calls reach prototype methods), every other user's scoring unchanged.
 * Returns the restore.
 */
export async function replaceAssess(
  userId: string,
  replacement: Assess,
): Promise<() => Promise<void>> {
  const proto = await runInDurableObject(
    env.RISK.get(env.RISK.idFromName(userId)),
    (instance) => Object.getPrototypeOf(instance) as { assess: Assess },
  );
  const original = proto.assess;
  proto.assess = function (this: unknown, observation: Observation) {
    return observation.userId === userId
      ? replacement(observation)
      : original.call(this, observation);
  };
  return async () => {
    proto.assess = original;
  };
}

/**
 * Publishes the one fraud rule the review tests hold a user with: a sign-in from a device two
 * other accounts use holds the user's payouts (`shared_device`, 60). `ruleId` tells each file's
 * holds apart; `note` is the published version's note.
 */
export async function publishDeviceRingRule(ruleId: string, note: string): Promise<void> {
  await publishRuleSet(
    {
      timeZone: "UTC",
      groups: [{ name: "fraud", mode: "stackable" }],
      rules: [
        {
          id: ruleId,
          name: "A device three accounts sign in from",
          eventTypes: ["risk.login"],
          conditions: { all: [{ attr: "signal.usersSharingDevice", op: "gte", value: 2 }] },
          effects: [{ kind: "hold_payouts", score: 60, reasonCode: "shared_device" }],
          priority: 0,
          group: "fraud",
          active: true,
        },
      ],
    },
    note,
  );
}
