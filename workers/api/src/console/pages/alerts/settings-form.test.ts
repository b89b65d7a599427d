import { describe, expect, it } from "vitest";
import { settingsBody, settingsValues } from "./settings-form";

const base = {
  primaryName: "On call",
  primaryEmail: "oncall@example.com",
  primaryWebhookUrl: "",
  secondaryName: "",
  secondaryEmail: "",
  secondaryWebhookUrl: "",
  escalateAfterMinutes: "30",
};

describe("the alert settings form's body", () => {
  it.each([
    {
      name: "keep: no secret sent",
      values: { ...base, secretAction: "keep", webhookSecret: "ignored-when-keeping" },
      secret: undefined,
    },
    {
      name: "set: the secret as typed",
      values: { ...base, secretAction: "set", webhookSecret: " s3cret with spaces " },
      secret: " s3cret with spaces ",
    },
    { name: "remove: null", values: { ...base, secretAction: "remove" }, secret: null },
  ])("webhook secret — $name", ({ values, secret }) => {
    const body = settingsBody(values);
    expect("webhookSecret" in body).toBe(secret !== undefined);
    expect(body.webhookSecret).toBe(secret);
  });

  it("an empty contact is none; empty e-mail or URL is null", () => {
    expect(settingsBody(base)).toMatchObject({
      primary: { name: "On call", email: "oncall@example.com", webhookUrl: null },
      secondary: null,
      escalateAfterMinutes: 30,
    });
  });

  it("empty thresholds take the default; text that is no number goes as text for the API to name", () => {
    const body = settingsBody({
      ...base,
      t_stuckPayouts: "3",
      t_networkDropRatio: "abc",
      t_deadLetterGrowth: "",
    });
    expect(body.thresholds).toEqual({ stuckPayouts: 3, networkDropRatio: "abc" });
  });

  it("the API's settings round-trip through the form", () => {
    const view = {
      primary: { name: "A", email: null, webhookUrl: "https://ops.example.com/h" },
      secondary: { name: "B", email: "b@example.com", webhookUrl: null },
      escalateAfterMinutes: 15,
      thresholds: { stuckPayouts: 2, networkDropRatio: 0.4 },
      webhookSecretSet: true,
    };
    const body = settingsBody(settingsValues(view));
    expect(body).toEqual({
      primary: view.primary,
      secondary: view.secondary,
      escalateAfterMinutes: 15,
      thresholds: { stuckPayouts: 2, networkDropRatio: 0.4 },
    });
  });
});
