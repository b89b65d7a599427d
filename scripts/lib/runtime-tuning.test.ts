import { describe, expect, test } from "vitest";
import { withQueueMaxRetries, withVars } from "./runtime-tuning";

const TOML = `[[queues.consumers]]
queue = "boomerang-payouts"
max_batch_size = 10
max_retries = 8
dead_letter_queue = "boomerang-payouts-dlq"

[[queues.consumers]]
queue = "boomerang-payouts-dlq"
max_batch_size = 10
max_retries = 20
`;

describe("withQueueMaxRetries", () => {
  test.each<{ label: string; retries: Record<string, number>; want: string[] }>([
    {
      label: "the named queue only, not its dead-letter queue",
      retries: { "boomerang-payouts": 2 },
      want: ["max_retries = 2", "max_retries = 20"],
    },
    {
      label: "the dead-letter queue by its own name",
      retries: { "boomerang-payouts-dlq": 1 },
      want: ["max_retries = 8", "max_retries = 1"],
    },
    {
      label: "nothing asked, nothing changed",
      retries: {},
      want: ["max_retries = 8", "max_retries = 20"],
    },
  ])("$label", ({ retries, want }) => {
    expect(withQueueMaxRetries(TOML, retries).match(/max_retries = \d+/g)).toEqual(want);
  });

  test("a queue without a consumer is an error, not a silent no-op", () => {
    expect(() => withQueueMaxRetries(TOML, { "boomerang-clicks": 1 })).toThrow(/boomerang-clicks/);
  });
});

describe("withVars", () => {
  test.each<{ label: string; text: string; vars: Record<string, string>; want: string }>([
    {
      label: "replaces a set variable",
      text: 'A="1"\nB="2"\n',
      vars: { A: "0" },
      want: 'A="0"\nB="2"\n',
    },
    { label: "appends a new one", text: 'A="1"\n', vars: { C: "x" }, want: 'A="1"\nC="x"\n' },
    {
      label: "a longer name is another variable",
      text: 'AB="1"\n',
      vars: { A: "2" },
      want: 'AB="1"\nA="2"\n',
    },
  ])("$label", ({ text, vars, want }) => {
    expect(withVars(text, vars)).toBe(want);
  });
});
