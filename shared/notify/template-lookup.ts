import type { ProblemField } from "../http/errors";
import { normalizeLocale } from "../referrals/reason-locale";
import { NOTIFICATION_TYPES, type NotificationType, type NotificationVarKind } from "./catalog";
import type { RenderedMessage } from "./channel";
import type { NotificationVarValue } from "./message";
import { placeholdersOf, renderTemplate, unknownVariables } from "./render";
import { DEFAULT_TEMPLATES, type NotificationTemplate } from "./templates";

/**
 * Pure: which template a notification is rendered with (docs/notifications.md, "Templates"),
 * and what an operator's template must satisfy to be saved.
 *
 * The lookup tries, in order: the recipient's exact locale (`hi-IN`), its bare language
 * (`hi`), the operator's default locale (and its bare language), then the built-in English
 * template of the type (shared/notify/templates.ts), which every type has.
 */

/** The locale of the built-in templates: the end of every chain. */
export const BUILT_IN_TEMPLATE_LOCALE = "en";

/** Longest texts an operator may save, in characters. */
export const TEMPLATE_LIMITS = { title: 200, body: 2000, url: 2000 } as const;

/** One operator template as stored (D1 `notification_templates`). */
export interface StoredTemplate extends NotificationTemplate {
  type: NotificationType;
  /** Normalised BCP 47 (`hi`, `pt-BR`). */
  locale: string;
}

/** The template chosen for a message, and where it came from. */
export interface ChosenTemplate {
  template: NotificationTemplate;
  /** The locale the template is written in (`en` for the built-in one). */
  locale: string;
  source: "operator" | "builtin";
}

const languageOf = (locale: string) => locale.split("-")[0] as string;

/**
 * The locales to try, best first, without repeats; tags that are not BCP 47 are skipped.
 *
 * @example
 * localeChain("hi-IN", "en-GB") // ["hi-IN", "hi", "en-GB", "en"]
 * localeChain("fr", "fr-CA")     // ["fr", "fr-CA"]
 */
export function localeChain(locale: string, defaultLocale: string): string[] {
  const out: string[] = [];
  for (const tag of [normalizeLocale(locale), normalizeLocale(defaultLocale)]) {
    if (tag === null) continue;
    for (const candidate of [tag, languageOf(tag)]) {
      if (!out.includes(candidate)) out.push(candidate);
    }
  }
  return out;
}

const keyOf = (type: string, locale: string) => `${type} ${locale}`;

/**
 * Every operator template of the deployment, in memory: the notification consumer loads one
 * per batch (or reuses the last one while nothing was saved) and looks up each message here,
 * never in D1.
 *
 * @example
 * const book = new TemplateBook(rows, "en");
 * book.templateFor("payout_paid", "hi-IN"); // hi-IN's, else hi's, else en's, else built-in
 */
export class TemplateBook {
  private readonly byKey = new Map<string, NotificationTemplate>();

  constructor(
    rows: Iterable<StoredTemplate>,
    /** The operator's default locale: tried after the recipient's own. */
    readonly defaultLocale: string = BUILT_IN_TEMPLATE_LOCALE,
  ) {
    for (const row of rows) {
      this.byKey.set(keyOf(row.type, row.locale), {
        title: row.title,
        body: row.body,
        ...(row.url ? { url: row.url } : {}),
      });
    }
  }

  /** The operator's template saved for exactly (type, locale), if any. */
  saved(type: NotificationType, locale: string): NotificationTemplate | undefined {
    const tag = normalizeLocale(locale);
    return tag === null ? undefined : this.byKey.get(keyOf(type, tag));
  }

  /** The template for a message of `type` to a recipient reading `locale`. */
  templateFor(type: NotificationType, locale: string): ChosenTemplate {
    for (const candidate of localeChain(locale, this.defaultLocale)) {
      const template = this.byKey.get(keyOf(type, candidate));
      if (template) return { template, locale: candidate, source: "operator" };
    }
    return {
      template: DEFAULT_TEMPLATES[type],
      locale: BUILT_IN_TEMPLATE_LOCALE,
      source: "builtin",
    };
  }

  /**
   * A message of `type` rendered for a recipient: the template from `templateFor`, money,
   * numbers and dates formatted in the recipient's locale when the template is in their
   * language, else in the template's own (no "1.234,56 €" inside an English sentence).
   */
  render(
    type: NotificationType,
    vars: Readonly<Record<string, NotificationVarValue>>,
    locale: string,
    timeZone: string,
  ): RenderedMessage {
    const chosen = this.templateFor(type, locale);
    const recipient = normalizeLocale(locale);
    const formatIn =
      recipient !== null && languageOf(recipient) === languageOf(chosen.locale)
        ? recipient
        : chosen.locale;
    return renderTemplate(type, chosen.template, vars, formatIn, timeZone);
  }
}

/** Text that is `{{` or `}}` left over once the well-formed placeholders are taken out. */
function strayBraces(text: string): boolean {
  const rest = text.replace(/\{\{\s*[A-Za-z][A-Za-z0-9_]*\s*\}\}/g, "");
  return rest.includes("{{") || rest.includes("}}");
}

export interface TemplateProblems {
  /** Placeholders naming variables the type does not have: a 422, naming them. */
  unknown: ProblemField[];
  /** Everything else (empty, too long, a broken `{{`): a 400. */
  invalid: ProblemField[];
}

const FIELDS = ["title", "body", "url"] as const;

/**
 * Pure: what stops `template` from being saved for `type`, per field. A placeholder the type
 * does not declare would render as a blank in every message, so it is refused here, naming
 * the field and the variables.
 *
 * @example
 * templateProblems("payout_paid", { title: "Paid", body: "{{amount}} to {{iban}}" }).unknown
 * // [{ path: "body", message: "unknown variable {{iban}}; payout_paid has amount, destination" }]
 */
export function templateProblems(
  type: NotificationType,
  template: NotificationTemplate,
): TemplateProblems {
  const declared = Object.keys(NOTIFICATION_TYPES[type].variables);
  const unknown: ProblemField[] = [];
  const invalid: ProblemField[] = [];
  for (const field of FIELDS) {
    const text = template[field];
    if (text === undefined) continue;
    if (field !== "url" && text.trim() === "") {
      invalid.push({ path: field, message: "required" });
      continue;
    }
    if (text.length > TEMPLATE_LIMITS[field]) {
      invalid.push({ path: field, message: `at most ${TEMPLATE_LIMITS[field]} characters` });
    }
    if (strayBraces(text)) {
      invalid.push({
        path: field,
        message: "a {{ or }} that is not a placeholder: write {{variableName}}",
      });
    }
    const names = unknownVariables(type, { title: "", body: text });
    if (names.length > 0) {
      const list = names.map((n) => `{{${n}}}`).join(", ");
      unknown.push({
        path: field,
        message: `unknown variable${names.length === 1 ? "" : "s"} ${list}; ${type} has ${declared.join(", ")}`,
      });
    }
  }
  return { unknown, invalid };
}

/** The variables a template uses, in order of first use (for the console). */
export function usedVariables(template: NotificationTemplate): string[] {
  return [...new Set([template.title, template.body, template.url ?? ""].flatMap(placeholdersOf))];
}

/** A fixed instant for sample dates, so a preview reads the same every time. */
export const SAMPLE_DATE_MS = Date.UTC(2026, 2, 29, 0, 45);

/**
 * Pure: a value for each of `type`'s variables from its kind, for previews: money 1,234.56
 * in `currency`, numbers 1,250, dates 29 March 2026 00:45 UTC (the night Europe moves its
 * clocks), texts their own name in brackets so a preview shows which one went where.
 *
 * @example
 * sampleVars("payout_paid", "INR") // { amount: { amountMinor: 123456, currency: "INR" }, destination: "[destination]" }
 */
export function sampleVars(
  type: NotificationType,
  currency: string,
): Record<string, NotificationVarValue> {
  const kinds = NOTIFICATION_TYPES[type].variables as Record<string, NotificationVarKind>;
  return Object.fromEntries(
    Object.entries(kinds).map(([name, kind]): [string, NotificationVarValue] => {
      switch (kind) {
        case "money":
          return [name, { amountMinor: 123456, currency }];
        case "number":
          return [name, 1250];
        case "date":
          return [name, SAMPLE_DATE_MS];
        default:
          return [name, `[${name}]`];
      }
    }),
  );
}
