import { randomBytes } from "node:crypto";
import { asAdmin, asUser, until } from "./user-api";

/**
 * A new user who clicked `count` demo offers (real clicks through the redirect) and filed a
 * missing-cashback claim for each click through the user API; every claim is `open`
 * and visible to the admin API the console reads.
 *
 * @example
 * const { userId, claimIds: [claimId] } = await openClaims(1);
 * await page.goto(`/console/review?queue=claims&status=open&userId=${userId}`);
 */
export async function openClaims(count: number): Promise<{ userId: string; claimIds: string[] }> {
  const userId = `browser-claim-${randomBytes(4).toString("hex")}`;
  await asAdmin(`/admin/v1/users/${userId}`, {
    method: "PUT",
    body: JSON.stringify({ displayName: "Browser claimant" }),
  });
  const offers = await asUser<{ items: Array<{ trackingUrl: string; currency?: string }> }>(
    userId,
    "/v1/offers",
  );
  // One offer per claim: repeated clicks on one offer within a short while count once.
  const clicked = offers.items.slice(0, count);
  if (clicked.length < count) throw new Error(`the demo data has fewer than ${count} live offers`);
  for (const offer of clicked) await fetch(offer.trackingUrl, { redirect: "manual" });
  const clicks = await until(async () => {
    const list = await asUser<{ items: Array<{ clickId: string; currency?: string }> }>(
      userId,
      "/v1/me/clicks",
    );
    return list.items.length >= count ? list.items : null;
  }, `${count} clicks to reach the wallet`);

  const claimIds: string[] = [];
  for (const [i, click] of clicks.slice(0, count).entries()) {
    const claim = await asUser<{ id: string }>(userId, "/v1/me/claims", {
      method: "POST",
      headers: { "idempotency-key": `browser-${userId}-${i}` },
      body: JSON.stringify({
        clickId: click.clickId,
        orderId: `BROWSER-${userId}-${i}`,
        amountMinor: 250_000,
        currency: click.currency ?? clicked[i]?.currency ?? "INR",
        purchasedAt: new Date().toISOString(),
      }),
    });
    claimIds.push(claim.id);
  }
  for (const id of claimIds) {
    await until(
      () =>
        asAdmin(`/admin/v1/claims/${id}`).then(
          () => true,
          () => null,
        ),
      `claim ${id} in the admin API`,
    );
  }
  return { userId, claimIds };
}
