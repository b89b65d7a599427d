import { publishRuleSet } from "./referral-helpers";

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
