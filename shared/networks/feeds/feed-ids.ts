import { SLUG_PATTERN } from "../../ids";

/** Room kept for `-` plus the hash suffix within the 63-character slug limit. */
const HASH_HEX_CHARS = 12;
const MAX_SLUG_CHARS = 63;
const SAFE_PART = /^[a-z0-9]+$/;

/**
 * The Boomerang id (a catalog slug) of a record a network's feed names: the network id, then
 * the feed's own ids, joined with `-`. Two networks never share an id, because the network id
 * comes first and feed ids that are not plain `[a-z0-9]+` (upper case, punctuation, `-`
 * itself) or that would make the id too long are cleaned and get a hash of the exact
 * original ids appended: `Shop.A` and `shop-a` cannot collide, and the same feed ids always
 * map to the same slug, so syncs are idempotent.
 *
 * @example
 * await feedRecordId("sbx", "shopkart")            // "sbx-shopkart"
 * await feedRecordId("sbx", "shopkart", "1001")    // "sbx-shopkart-1001"
 * await feedRecordId("sbx", "ShopKart", "sbx-1001") // "sbx-shopkart-sbx-1001-3f9a0c…" (hashed)
 */
export async function feedRecordId(networkId: string, ...feedIds: string[]): Promise<string> {
  if (!SLUG_PATTERN.test(networkId)) throw new Error(`network id ${networkId} is not a slug`);
  if (feedIds.length === 0) throw new Error("feedRecordId needs at least one feed id");
  const plain = `${networkId}-${feedIds.join("-")}`;
  if (feedIds.every((id) => SAFE_PART.test(id)) && plain.length <= MAX_SLUG_CHARS) return plain;

  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(JSON.stringify([networkId, ...feedIds])),
  );
  const hash = [...new Uint8Array(digest)]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("")
    .slice(0, HASH_HEX_CHARS);
  const cleaned = feedIds
    .map((id) =>
      id
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "-")
        .replace(/^-+|-+$/g, ""),
    )
    .filter((part) => part.length > 0);
  const readable = [networkId, ...cleaned]
    .join("-")
    .slice(0, MAX_SLUG_CHARS - HASH_HEX_CHARS - 1)
    .replace(/[-_]+$/, "");
  const id = `${readable}-${hash}`;
  if (!SLUG_PATTERN.test(id)) throw new Error(`feed id mapping produced a bad slug: ${id}`);
  return id;
}
