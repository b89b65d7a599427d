import { describe, expect, test } from "vitest";
import { BindingOptionsSchema, offerMismatchPolicy } from "./binding-options";

describe("offerMismatchPolicy", () => {
  test.each([
    { label: "absent", options: {}, want: "reject" },
    { label: "reject", options: { offerMismatch: "reject" }, want: "reject" },
    { label: "reprice", options: { offerMismatch: "reprice" }, want: "reprice" },
    { label: "unknown value never pays more", options: { offerMismatch: "pay" }, want: "reject" },
    { label: "wrong type", options: { offerMismatch: true }, want: "reject" },
    { label: "other keys only", options: { reportUrl: "https://x.test" }, want: "reject" },
  ])("$label → $want", ({ options, want }) => {
    expect(offerMismatchPolicy(options)).toBe(want);
  });

  test("inherited properties are not options", () => {
    const options = Object.create({ offerMismatch: "reprice" }) as Record<string, unknown>;
    expect(offerMismatchPolicy(options)).toBe("reject");
  });

  test("the schema defaults to reject and refuses other values", () => {
    expect(BindingOptionsSchema.parse({})).toEqual({ offerMismatch: "reject" });
    expect(BindingOptionsSchema.safeParse({ offerMismatch: "maybe" }).success).toBe(false);
  });
});
