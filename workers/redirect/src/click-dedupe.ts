import { toBase64Url } from "#shared/crypto/encoding";
import { hmacSha256 } from "#shared/crypto/hmac";
import { ID_PREFIX } from "#shared/ids";

/**
 * Repeated clicks on one link from one client become one click. The redirect has no state to
 * remember the first click in, so it names the click by what repeats share: the link, the
 * client's IP and the dedupe window the click falls in. Every repeat mints the same click id,
 * the wallet stores it once (its clicks table is keyed on the id) and counts the rest as
 * repeats, and the sub-ID of any of them still names the stored click, so a purchase after
 * the third tap is attributed like one after the first.
 */

export const DEFAULT_DEDUPE_WINDOW_SEC = 30;
const MAX_DEDUPE_WINDOW_SEC = 3_600;

/**
 * Pure: the dedupe window from CLICK_DEDUPE_WINDOW_SEC; 0 turns deduplication off, and a
 * value that is not a whole number of seconds falls back to the default.
 *
 * @example
 * dedupeWindowSec(undefined) // 30
 * dedupeWindowSec("0") // 0
 */
export function dedupeWindowSec(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === "") return DEFAULT_DEDUPE_WINDOW_SEC;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) return DEFAULT_DEDUPE_WINDOW_SEC;
  return Math.min(value, MAX_DEDUPE_WINDOW_SEC);
}

/** Pure: the start of the aligned window `nowMs` falls in. */
export function windowStartMs(nowMs: number, windowSec: number): number {
  const windowMs = windowSec * 1000;
  return Math.floor(nowMs / windowMs) * windowMs;
}

/**
 * The click id every click on `linkToken` from `clientIp` in the current window shares:
 * shaped like a minted one (prefix, window start, 16 characters), keyed with the link secret
 * so the id says nothing about the IP to whoever sees the tracking URL. Null when there is no
 * client to recognise (no CF-Connecting-IP: only outside Cloudflare) or dedupe is off: the
 * caller mints a fresh id.
 *
 * @example
 * await dedupedClickId(env.LINK_SIGNING_KEY, token, "203.0.113.7", Date.now(), 30) // "clk_…"
 */
export async function dedupedClickId(
  secret: string,
  linkToken: string,
  clientIp: string | null,
  nowMs: number,
  windowSec: number,
): Promise<string | null> {
  if (!clientIp || windowSec === 0) return null;
  const startMs = windowStartMs(nowMs, windowSec);
  const mac = await hmacSha256(secret, `click-dedupe\n${linkToken}\n${clientIp}\n${startMs}`);
  return `${ID_PREFIX.click}_${startMs.toString(36)}${toBase64Url(mac.subarray(0, 12))}`;
}
