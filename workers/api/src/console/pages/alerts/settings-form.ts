/**
 * The alert settings form (console /console/alerts): the API's settings as the form's text
 * values, and the form's values as the `PUT /admin/v1/alert-settings` body. Pure. The webhook
 * secret is write-only: the form never holds it, and `secretAction` says keep, set or remove.
 */

export interface ContactView {
  name: string;
  email: string | null;
  webhookUrl: string | null;
}

export interface AlertSettingsView {
  primary: ContactView | null;
  secondary: ContactView | null;
  escalateAfterMinutes: number;
  thresholds: Record<string, number>;
  webhookSecretSet: boolean;
}

/** The thresholds the form edits, in the order shown, with what each one means. */
export const THRESHOLD_FIELDS = [
  [
    "reconciliationDifferences",
    "Report reconciliation differences",
    "unexplained items per network above this raise an alert",
  ],
  [
    "payoutDiscrepancies",
    "Payout discrepancies",
    "processor discrepancies above this raise an alert",
  ],
  [
    "walletAuditDifferences",
    "Wallet audit differences",
    "wallets whose ledger and balances disagree, above this",
  ],
  [
    "reconciliationLookbackHours",
    "Reconciliation lookback (hours)",
    "how far back reconciliation results count: 1–336",
  ],
  ["stuckPayouts", "Stuck payouts", "alert at this many stuck payouts or more"],
  ["attentionPayouts", "Payouts needing attention", "alert at this many or more"],
  [
    "deadLetterBacklog",
    "Dead-letter backlog (rows)",
    "a store holding this many rows or more: 1–10000",
  ],
  [
    "deadLetterMaxAgeMinutes",
    "Dead-letter age (minutes)",
    "a store whose oldest row is older than this",
  ],
  [
    "deadLetterGrowth",
    "Dead-letter growth (rows per run)",
    "a store that grew by this many since the previous run",
  ],
  [
    "networkDropRatio",
    "Network drop ratio",
    "last hour below this fraction of the 7-day average: between 0 and 1",
  ],
  [
    "networkMinHourlyVolume",
    "Network minimum hourly volume",
    "networks quieter than this on average never page",
  ],
] as const satisfies ReadonlyArray<readonly [string, string, string]>;

export const SECRET_ACTIONS = ["keep", "set", "remove"] as const;
export type SecretAction = (typeof SECRET_ACTIONS)[number];

const CONTACTS = ["primary", "secondary"] as const;

/** The API's settings as the form's values (the secret never among them). */
export function settingsValues(settings: AlertSettingsView): Record<string, string> {
  const values: Record<string, string> = {
    escalateAfterMinutes: String(settings.escalateAfterMinutes),
    secretAction: "keep",
  };
  for (const which of CONTACTS) {
    const c = settings[which];
    values[`${which}Name`] = c?.name ?? "";
    values[`${which}Email`] = c?.email ?? "";
    values[`${which}WebhookUrl`] = c?.webhookUrl ?? "";
  }
  for (const [name] of THRESHOLD_FIELDS) {
    const v = settings.thresholds[name];
    values[`t_${name}`] = v === undefined ? "" : String(v);
  }
  return values;
}

/** A number when the text is one; the text itself otherwise, so the API names the field. */
function numberOrText(text: string): number | string {
  const n = Number(text);
  return text.trim() !== "" && Number.isFinite(n) ? n : text;
}

/**
 * The form's values as the PUT body: a contact with every field empty is none; an empty
 * threshold or delay takes the API's default; the secret is sent only when set or removed.
 *
 * @example
 * settingsBody({ primaryName: "On call", primaryEmail: "oncall@example.com", secretAction: "keep" });
 */
export function settingsBody(values: Record<string, string>): Record<string, unknown> {
  const text = (name: string) => (values[name] ?? "").trim();
  const body: Record<string, unknown> = {};
  for (const which of CONTACTS) {
    const name = text(`${which}Name`);
    const email = text(`${which}Email`);
    const webhookUrl = text(`${which}WebhookUrl`);
    body[which] =
      name === "" && email === "" && webhookUrl === ""
        ? null
        : {
            name,
            email: email === "" ? null : email,
            webhookUrl: webhookUrl === "" ? null : webhookUrl,
          };
  }
  if (text("escalateAfterMinutes") !== "") {
    body.escalateAfterMinutes = numberOrText(text("escalateAfterMinutes"));
  }
  const thresholds: Record<string, number | string> = {};
  for (const [name] of THRESHOLD_FIELDS) {
    const v = text(`t_${name}`);
    if (v !== "") thresholds[name] = numberOrText(v);
  }
  body.thresholds = thresholds;
  const action = (values.secretAction ?? "keep") as SecretAction;
  // The secret itself is not trimmed: it is the operator's key, byte for byte.
  if (action === "set") body.webhookSecret = values.webhookSecret ?? "";
  else if (action === "remove") body.webhookSecret = null;
  return body;
}
