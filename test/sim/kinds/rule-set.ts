import { asAdmin } from "../../payout-helpers";

/**
 * Publishes the live rule set with a workload kind's rules in place of an earlier run's (the
 * rules whose ids start with `prefix`), through the admin API as an operator would: read the
 * live set, save a draft based on its version, publish. The other kinds' rules stay.
 * `rulesIn(group)` builds the kind's rules in the live set's first group.
 */
export async function publishKindRules(
  prefix: string,
  rulesIn: (group: string) => Array<Record<string, unknown>>,
): Promise<void> {
  const live = await asAdmin("/admin/v1/rules/live");
  if (live.status !== 200 && live.status !== 404)
    throw new Error(`sim: live rules ${live.status} ${await live.text()}`);
  // None published yet in this storage (the first kind to publish): one stackable group.
  const { version, ruleSet } =
    live.status === 404
      ? {
          version: null,
          ruleSet: { timeZone: "UTC", groups: [{ name: "base", mode: "stackable" }], rules: [] },
        }
      : ((await live.json()) as {
          version: number;
          ruleSet: {
            timeZone: string;
            groups: Array<{ name: string; mode: string }>;
            rules: Array<{ id: string }>;
          };
        });
  const draft = await asAdmin("/admin/v1/rules/draft", "PUT", {
    timeZone: ruleSet.timeZone,
    groups: ruleSet.groups,
    rules: [
      ...ruleSet.rules.filter((r) => !r.id.startsWith(prefix)),
      ...rulesIn(ruleSet.groups[0]?.name ?? "base"),
    ],
    basedOnVersion: version,
  });
  if (draft.status !== 200)
    throw new Error(`sim: rules draft ${draft.status} ${await draft.text()}`);
  const published = await asAdmin("/admin/v1/rules/publish", "POST", { note: "simulation" });
  if (published.status !== 201)
    throw new Error(`sim: rules publish ${published.status} ${await published.text()}`);
}
