/**
 * Pure: which language a member reads referral reasons in (docs/referrals.md, "Reason texts").
 * Reasons are stable codes with English text in the code; operators translate them per locale.
 * A request names the locales it wants (`?locale=`, else `Accept-Language`), each followed by
 * its bare language (`pt-BR`, then `pt`), and each code takes the first of them that has a
 * text for it, else English.
 */

/** English is built in (the code's own texts): the end of every chain. */
export const BUILT_IN_LOCALE = "en";
/** Locales looked up per request: enough for any real Accept-Language. */
export const MAX_LOCALE_CANDIDATES = 8;

const TAG = /^([a-z]{2,3})(?:-([a-z]{4}))?(?:-([a-z]{2}|\d{3}))?$/i;

/**
 * A BCP 47 language tag in one spelling (language lower case, script title case, region
 * upper case), or null when it is not one this program stores (language, optional script,
 * optional region; no variants or extensions).
 *
 * @example
 * normalizeLocale("PT-br") // "pt-BR"
 * normalizeLocale("zh-hant-tw") // "zh-Hant-TW"
 * normalizeLocale("klingon!") // null
 */
export function normalizeLocale(tag: string): string | null {
  const match = TAG.exec(tag.trim());
  if (!match) return null;
  const [, language, script, region] = match;
  return [
    (language as string).toLowerCase(),
    script ? script[0]?.toUpperCase() + script.slice(1).toLowerCase() : null,
    region ? region.toUpperCase() : null,
  ]
    .filter((part) => part !== null)
    .join("-");
}

/**
 * The locales to try, best first: the explicit one, else Accept-Language by quality (`q=0`
 * and malformed entries dropped), each followed by its bare language; cut at English, which
 * is complete. An explicit locale beats the header.
 *
 * @example
 * localeCandidates(undefined, "pt-BR,pt;q=0.9,en;q=0.8,hi;q=0.5") // ["pt-BR", "pt"]
 * localeCandidates("hi-IN", "ta") // ["hi-IN", "hi"]
 */
export function localeCandidates(
  explicit: string | undefined,
  acceptLanguage: string | undefined | null,
): string[] {
  const wanted =
    explicit !== undefined ? [normalizeLocale(explicit)] : byQuality(acceptLanguage ?? "");
  const out: string[] = [];
  for (const tag of wanted) {
    if (tag === null) continue;
    const language = tag.split("-")[0] as string;
    if (tag === BUILT_IN_LOCALE) break;
    for (const candidate of [tag, language]) {
      if (candidate !== BUILT_IN_LOCALE && !out.includes(candidate)) out.push(candidate);
    }
    if (language === BUILT_IN_LOCALE) break;
  }
  return out.slice(0, MAX_LOCALE_CANDIDATES);
}

function byQuality(header: string): Array<string | null> {
  return header
    .split(",")
    .slice(0, 20)
    .map((entry, index) => {
      const [tag = "", ...params] = entry.split(";").map((p) => p.trim());
      const q = params.find((p) => p.startsWith("q="));
      const quality = q === undefined ? 1 : Number(q.slice(2));
      return { tag, quality: Number.isFinite(quality) ? quality : 0, index };
    })
    .filter((e) => e.quality > 0 && e.tag !== "*")
    .sort((a, b) => b.quality - a.quality || a.index - b.index)
    .map((e) => normalizeLocale(e.tag));
}

/** One locale's operator texts, code → text. */
export interface ReasonTextBook {
  locale: string;
  texts: ReadonlyMap<string, string>;
}

/**
 * The text of `code` from the first book that has it, else English.
 *
 * @example
 * const hi = { locale: "hi", texts: new Map([["reward_credited", "इनाम जमा हुआ।"]]) };
 * localizedReason("reward_credited", [hi], { reward_credited: "The referral reward was credited." })
 * // "इनाम जमा हुआ।"
 */
export function localizedReason(
  code: string,
  books: readonly ReasonTextBook[],
  english: Readonly<Record<string, string>>,
): string {
  for (const book of books) {
    const text = book.texts.get(code);
    if (text !== undefined) return text;
  }
  return english[code] ?? code;
}

/**
 * The locale a response is in: the first book with any text, else English.
 *
 * @example
 * responseLocale([{ locale: "pt-BR", texts: new Map() }, { locale: "pt", texts: new Map([["a", "b"]]) }]) // "pt"
 */
export function responseLocale(books: readonly ReasonTextBook[]): string {
  return books.find((b) => b.texts.size > 0)?.locale ?? BUILT_IN_LOCALE;
}
