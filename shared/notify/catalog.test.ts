import { describe, expect, it } from "vitest";
import { NOTIFICATION_TYPES, redactSecrets, SECRET_VARIABLES } from "./catalog";

describe("redactSecrets", () => {
  it.each([
    [
      "the code anywhere in the text",
      "step_up_code",
      { code: "042917" },
      'body {"code":"042917"} refused',
      'body {"code":"[redacted]"} refused',
    ],
    [
      "every occurrence",
      "step_up_code",
      { code: "111111" },
      "111111 and 111111",
      "[redacted] and [redacted]",
    ],
    [
      "nothing when the code is absent from the text",
      "step_up_code",
      { code: "042917" },
      "answered 400",
      "answered 400",
    ],
    [
      "nothing for a type without secrets",
      "payout_paid",
      { destination: "UPI a***@x" },
      "UPI a***@x",
      "UPI a***@x",
    ],
    ["nothing when the variable is missing", "step_up_code", {}, "answered 500", "answered 500"],
    ["nothing for an empty code", "step_up_code", { code: "" }, "answered 500", "answered 500"],
  ] as const)("%s", (_, type, vars, text, expected) => {
    expect(redactSecrets(text, type, vars)).toBe(expected);
  });

  it("names only variables the type declares", () => {
    for (const [type, names] of Object.entries(SECRET_VARIABLES)) {
      const declared = Object.keys(
        NOTIFICATION_TYPES[type as keyof typeof NOTIFICATION_TYPES].variables,
      );
      for (const name of names ?? []) expect(declared).toContain(name);
    }
  });
});
