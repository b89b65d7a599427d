import { describe, expect, test } from "vitest";
import { scoringEnabled } from "./scoring-switch";

describe("scoringEnabled", () => {
  test.each<{ value: string | undefined; on: boolean }>([
    { value: undefined, on: true },
    { value: "on", on: true },
    { value: "", on: true },
    { value: "off", on: false },
    { value: " OFF ", on: false },
    { value: "Off", on: false },
    // An unknown value keeps scoring: a typo never turns the checks off.
    { value: "false", on: true },
    { value: "0", on: true },
  ])("FRAUD_SCORING=$value → on: $on", ({ value, on }) => {
    expect(scoringEnabled(value === undefined ? {} : { FRAUD_SCORING: value })).toBe(on);
  });
});
