import { formatMoney } from "../money/format";
import { NOTIFICATION_TYPES, type NotificationType, type NotificationVarKind } from "./catalog";
import type { RenderedMessage } from "./channel";
import type { NotificationVarValue } from "./message";
import type { NotificationTemplate } from "./templates";

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

/** Pure: the variable names a template text uses, in order, without repeats. */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1] as string))];
}

/**
 * Pure: the variables a template uses that its type does not declare. A template with any is
 * refused when saved, so no message ever goes out with a blank where a variable should be.
 */
export function unknownVariables(type: NotificationType, template: NotificationTemplate): string[] {
  const declared = NOTIFICATION_TYPES[type].variables as Record<string, NotificationVarKind>;
  const used = [template.title, template.body, template.url ?? ""].flatMap(placeholdersOf);
  return [...new Set(used)].filter((name) => !Object.hasOwn(declared, name));
}

/**
 * Pure: a template filled with an event's variables, money and dates in `locale` (dates in
 * `timeZone`). A variable the event lacks renders as an empty string: events are built by the
 * capabilities with every declared variable, so that only happens with an older event.
 */
export function renderTemplate(
  type: NotificationType,
  template: NotificationTemplate,
  vars: Readonly<Record<string, NotificationVarValue>>,
  locale: string,
  timeZone: string,
): RenderedMessage {
  const kinds = NOTIFICATION_TYPES[type].variables as Record<string, NotificationVarKind>;
  const fill = (text: string) =>
    text.replace(PLACEHOLDER, (_all, name: string) =>
      formatVar(vars[name], kinds[name] ?? "text", locale, timeZone),
    );
  const url = template.url === undefined ? "" : fill(template.url);
  return {
    locale,
    title: fill(template.title),
    body: fill(template.body),
    ...(url === "" ? {} : { url }),
  };
}

function formatVar(
  value: NotificationVarValue | undefined,
  kind: NotificationVarKind,
  locale: string,
  timeZone: string,
): string {
  if (value === undefined) return "";
  if (typeof value === "object") return formatMoney(value.amountMinor, value.currency, locale);
  if (kind === "date" && typeof value === "number") {
    return new Intl.DateTimeFormat(locale, {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone,
    }).format(new Date(value));
  }
  if (kind === "number" && typeof value === "number") {
    return new Intl.NumberFormat(locale).format(value);
  }
  return String(value);
}
