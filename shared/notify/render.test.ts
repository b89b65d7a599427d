import { describe, expect, test } from "vitest";
import { NOTIFICATION_TYPE_NAMES } from "./catalog";
import { placeholdersOf, renderTemplate, unknownVariables } from "./render";
import { DEFAULT_TEMPLATES } from "./templates";

describe("templates", () => {
  test("every built-in template uses only its type's variables", () => {
    for (const type of NOTIFICATION_TYPE_NAMES) {
      expect(unknownVariables(type, DEFAULT_TEMPLATES[type]), type).toEqual([]);
    }
  });

  test.each([
    { text: "Hi {{ name }}, {{name}} and {{other_1}}", want: ["name", "other_1"] },
    { text: "no variables {{ }} {{1x}}", want: [] },
  ])("placeholders of $text", ({ text, want }) => {
    expect(placeholdersOf(text)).toEqual(want);
  });

  test("a template naming a variable its type lacks is reported", () => {
    expect(
      unknownVariables("payout_paid", { title: "Paid {{amount}}", body: "to {{iban}} {{amount}}" }),
    ).toEqual(["iban"]);
  });

  test.each([
    {
      label: "money and text, English",
      locale: "en",
      want: "₹1,234.50 cashback is pending for your Acme order A-1.",
    },
    {
      label: "money in Indian grouping",
      locale: "en-IN",
      want: "₹1,234.50 cashback is pending for your Acme order A-1.",
    },
  ])("renders $label", ({ locale, want }) => {
    const rendered = renderTemplate(
      "cashback_earned",
      DEFAULT_TEMPLATES.cashback_earned,
      { merchantName: "Acme", cashback: { amountMinor: 123_450, currency: "INR" }, orderId: "A-1" },
      locale,
      "UTC",
    );
    expect(rendered.body).toBe(want);
    expect(rendered.title).toBe("Cashback on its way");
    expect(rendered.url).toBeUndefined();
  });

  test("dates in the recipient's zone, numbers in their locale", () => {
    const rendered = renderTemplate(
      "points_expiring",
      DEFAULT_TEMPLATES.points_expiring,
      // 2026-03-01T20:00Z is 01:30 on 2 March in Kolkata.
      { points: 12_500, daysLeft: 7, expiresAt: Date.UTC(2026, 2, 1, 20, 0) },
      "en",
      "Asia/Kolkata",
    );
    expect(rendered.body).toBe("12,500 points expire in 7 days, on Mar 2, 2026, 1:30 AM.");
  });
});
