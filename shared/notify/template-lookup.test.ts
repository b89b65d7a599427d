import { describe, expect, test } from "vitest";
import type { NotificationType } from "./catalog";
import {
  localeChain,
  SAMPLE_DATE_MS,
  type StoredTemplate,
  sampleVars,
  TemplateBook,
  templateProblems,
} from "./template-lookup";
import { DEFAULT_TEMPLATES } from "./templates";

const row = (type: NotificationType, locale: string, title: string): StoredTemplate => ({
  type,
  locale,
  title,
  body: `${title}: {{amount}}`,
});

describe("localeChain", () => {
  test.each([
    { locale: "hi-IN", def: "en", want: ["hi-IN", "hi", "en"] },
    { locale: "hi-IN", def: "en-GB", want: ["hi-IN", "hi", "en-GB", "en"] },
    { locale: "hi", def: "hi-IN", want: ["hi", "hi-IN"] },
    { locale: "PT-br", def: "en", want: ["pt-BR", "pt", "en"] },
    { locale: "zh-hant-tw", def: "en", want: ["zh-Hant-TW", "zh", "en"] },
    { locale: "not a tag!", def: "fr", want: ["fr"] },
    { locale: "en", def: "en", want: ["en"] },
  ])("$locale with default $def → $want", ({ locale, def, want }) => {
    expect(localeChain(locale, def)).toEqual(want);
  });
});

describe("TemplateBook.templateFor: exact → language → operator default → built-in", () => {
  const rows = [
    row("payout_paid", "hi-IN", "hi-IN paid"),
    row("payout_paid", "hi", "hi paid"),
    row("payout_paid", "fr", "fr paid"),
    row("payout_failed", "hi", "hi failed"),
    row("payout_failed", "fr", "fr failed"),
    row("payout_initiated", "en-GB", "en-GB initiated"),
  ];
  const book = new TemplateBook(rows, "fr");

  test.each([
    { type: "payout_paid", locale: "hi-IN", title: "hi-IN paid", from: "hi-IN" },
    { type: "payout_paid", locale: "hi-in", title: "hi-IN paid", from: "hi-IN" },
    { type: "payout_paid", locale: "hi", title: "hi paid", from: "hi" },
    { type: "payout_failed", locale: "hi-IN", title: "hi failed", from: "hi" },
    { type: "payout_paid", locale: "ta-IN", title: "fr paid", from: "fr" },
    { type: "payout_failed", locale: "de", title: "fr failed", from: "fr" },
    { type: "payout_initiated", locale: "en-GB", title: "en-GB initiated", from: "en-GB" },
    // en-IN is not en-GB: the language `en` has no operator template, nor has the default.
    {
      type: "payout_initiated",
      locale: "en-IN",
      title: DEFAULT_TEMPLATES.payout_initiated.title,
      from: "en",
    },
    {
      type: "cashback_earned",
      locale: "hi-IN",
      title: DEFAULT_TEMPLATES.cashback_earned.title,
      from: "en",
    },
    {
      type: "payout_paid",
      locale: "garbage!",
      title: "fr paid",
      from: "fr",
    },
  ] as const)("$type for $locale → $from", ({ type, locale, title, from }) => {
    const chosen = book.templateFor(type, locale);
    expect(chosen.template.title).toBe(title);
    expect(chosen.locale).toBe(from);
    expect(chosen.source).toBe(title.includes(from) ? "operator" : "builtin");
  });

  test("the default locale's language is tried after the default itself", () => {
    const withGb = new TemplateBook([row("payout_paid", "en", "en paid")], "en-GB");
    expect(withGb.templateFor("payout_paid", "ta").template.title).toBe("en paid");
  });

  test("renders money in the recipient's locale when the template is in their language", () => {
    const hindi = new TemplateBook(
      [{ type: "payout_paid", locale: "hi", title: "भुगतान", body: "{{amount}} → {{destination}}" }],
      "en",
    );
    const vars = { amount: { amountMinor: 12345678, currency: "INR" }, destination: "UPI" };
    // hi-IN groups in lakhs: 1,23,456.78
    expect(hindi.render("payout_paid", vars, "hi-IN", "Asia/Kolkata").body).toBe(
      `${new Intl.NumberFormat("hi-IN", { style: "currency", currency: "INR" }).format(123456.78)} → UPI`,
    );
    // A German reader of the built-in English template gets English formatting, not 1.234,56.
    const de = hindi.render("payout_paid", vars, "de-DE", "Europe/Berlin");
    expect(de.locale).toBe("en");
    expect(de.body).toContain("₹123,456.78");
  });
});

describe("templateProblems", () => {
  test.each([
    {
      label: "a valid template",
      type: "payout_paid",
      template: { title: "Paid {{amount}}", body: "to {{ destination }}" },
      unknown: [],
      invalid: [],
    },
    {
      label: "an unknown variable in the body, named with the field",
      type: "payout_paid",
      template: { title: "Paid", body: "{{amount}} to {{iban}}" },
      unknown: [
        { path: "body", message: "unknown variable {{iban}}; payout_paid has amount, destination" },
      ],
      invalid: [],
    },
    {
      label: "unknown variables in two fields",
      type: "promotion",
      template: { title: "{{headline}} {{discount}}", body: "{{body}}", url: "{{link}}?{{utm}}" },
      unknown: [
        {
          path: "title",
          message: "unknown variable {{discount}}; promotion has headline, body, url",
        },
        {
          path: "url",
          message: "unknown variables {{link}}, {{utm}}; promotion has headline, body, url",
        },
      ],
      invalid: [],
    },
    {
      label: "a broken placeholder",
      type: "payout_paid",
      template: { title: "Paid", body: "{{amount} to {{destination}}" },
      unknown: [],
      invalid: [
        { path: "body", message: "a {{ or }} that is not a placeholder: write {{variableName}}" },
      ],
    },
    {
      label: "an empty title and an overlong body",
      type: "payout_paid",
      template: { title: "  ", body: "x".repeat(2001) },
      unknown: [],
      invalid: [
        { path: "title", message: "required" },
        { path: "body", message: "at most 2000 characters" },
      ],
    },
  ] as const)("$label", ({ type, template, unknown, invalid }) => {
    expect(templateProblems(type, template)).toEqual({ unknown, invalid });
  });
});

describe("sampleVars", () => {
  test("one value per variable, by kind", () => {
    expect(sampleVars("points_expiring", "INR")).toEqual({
      points: 1250,
      expiresAt: SAMPLE_DATE_MS,
      daysLeft: 1250,
    });
    expect(sampleVars("cashback_clawed_back", "EUR")).toEqual({
      merchantName: "[merchantName]",
      cashback: { amountMinor: 123456, currency: "EUR" },
      orderId: "[orderId]",
      reason: "[reason]",
    });
  });
});
