import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { createApp } from "#workers/api/src/app";
import { followLink, mintUserJwt, seedCatalog, trackingLinkFor, uniqueUser } from "./helpers";

/**
 * Rotating the link-signing key through the real api (which signs links) and redirect (which
 * verifies them): links signed with the previous key keep working until its notAfter, then
 * the redirect refuses them exactly as it refuses a forged link; new links use the new key.
 */

const OFFER = "test-shop-offer";
const NEW_KEY = "rotated-link-signing-key-0123456789abcdef";
const hoursFromNow = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();

/** The bindings after a rotation: the new key current, the old one accepted until `notAfter`. */
function rotated(notAfter: string) {
  return {
    ...env,
    LINK_SIGNING_KEYS: JSON.stringify([
      { version: 2, key: NEW_KEY },
      { version: 1, key: env.LINK_SIGNING_KEY, notAfter },
    ]),
  };
}

/** The tracking link the api hands out under `bindings`. */
async function linkUnder(bindings: typeof env, userId: string): Promise<string> {
  const response = await createApp().fetch(
    new Request("https://api.test/v1/offers?limit=200", {
      headers: { authorization: `Bearer ${await mintUserJwt(userId)}` },
    }),
    bindings,
  );
  expect(response.status).toBe(200);
  const body = (await response.json()) as { items: Array<{ id: string; trackingUrl: string }> };
  const url = body.items.find((o) => o.id === OFFER)?.trackingUrl;
  if (!url) throw new Error(`no link for ${OFFER}`);
  return url;
}

async function expectNotValid(response: Response) {
  expect(response.status).toBe(400);
  expect(await response.text()).toContain("This link is not valid");
}

beforeAll(async () => {
  await seedCatalog();
});

describe("link-signing key rotation", () => {
  it("LINK_SIGNING_KEY alone keeps signing and verifying links", async () => {
    const response = await followLink(await trackingLinkFor(uniqueUser("link-legacy"), OFFER));
    expect(response.status).toBe(302);
  });

  it("accepts links signed with the previous key until its notAfter; new links use the new key", async () => {
    const user = uniqueUser("link-rotate");
    const oldLink = await trackingLinkFor(user, OFFER);
    const during = rotated(hoursFromNow(24));
    expect((await followLink(oldLink, during)).status).toBe(302);

    const newLink = await linkUnder(during, user);
    expect(newLink).not.toBe(oldLink);
    expect((await followLink(newLink, during)).status).toBe(302);
    // Signed with the new key: a redirect that knows only the old key refuses it.
    await expectNotValid(await followLink(newLink, env));
  });

  it("refuses links signed with the previous key after its notAfter, as it refuses a forged link", async () => {
    const user = uniqueUser("link-retired");
    const oldLink = await trackingLinkFor(user, OFFER);
    const after = rotated(hoursFromNow(-1));
    await expectNotValid(await followLink(oldLink, after));

    const token = oldLink.slice(oldLink.lastIndexOf("/") + 1);
    const [payload] = token.split(".");
    const forged = `https://go.test/c/${payload}.${"A".repeat(21)}w`;
    await expectNotValid(await followLink(forged, after));
    // The current key's links are unaffected by the retirement.
    expect((await followLink(await linkUnder(after, user), after)).status).toBe(302);
  });

  it("answers the error page, not a redirect, when the key ring is misconfigured", async () => {
    const link = await trackingLinkFor(uniqueUser("link-misconfigured"), OFFER);
    const broken = {
      ...env,
      LINK_SIGNING_KEYS: JSON.stringify([
        { version: 2, key: NEW_KEY },
        { version: 1, key: env.LINK_SIGNING_KEY },
      ]),
    };
    const response = await followLink(link, broken);
    expect(response.status).toBe(503);
  });
});
