/**
 * The reason-text translations form (docs/console.md, "Reason texts"), pure: one textarea per
 * reason code named `texts.<code>`; an empty one is left out, so members see that code in
 * English. The page (reason-texts.tsx) sends the body to `PUT /admin/v1/referral-reason-texts/{locale}`.
 */

/** The form field of one reason code's text. */
export const textField = (code: string) => `texts.${code}`;

/**
 * The API body from the form: every code with a text, trimmed; codes left empty are omitted.
 *
 * @example
 * reasonTextsBody({ "texts.reward_credited": " Pago " , "texts.code_at_signup": "" }, codes)
 * // { texts: { reward_credited: "Pago" } }
 */
export function reasonTextsBody(
  form: Readonly<Record<string, string>>,
  codes: readonly string[],
): { texts: Record<string, string> } {
  const texts: Record<string, string> = {};
  for (const code of codes) {
    const text = (form[textField(code)] ?? "").trim();
    if (text) texts[code] = text;
  }
  return { texts };
}

/** The form's values from a locale's saved texts, to fill the textareas. */
export function reasonTextsValues(texts: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(texts).map(([code, text]) => [textField(code), text]));
}

/**
 * The notice after a save: how many codes have a text now and how many fall back to English.
 *
 * @example
 * savedNotice("pt-BR", 3, 9) // "pt-BR saved: 3 texts translated, 9 shown in English."
 */
export function savedNotice(locale: string, translated: number, missing: number): string {
  if (translated === 0) return `${locale} has no texts left: members see English.`;
  return `${locale} saved: ${translated} ${translated === 1 ? "text" : "texts"} translated, ${
    missing === 0 ? "none" : missing
  } shown in English.`;
}
