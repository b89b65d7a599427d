import { describe, expect, it } from "vitest";
import { api } from "./helpers";

/** The /docs reference renders offline: every file it loads comes from the api worker. */
describe("/docs reference page", () => {
  it("answers HTML whose scripts and stylesheets are all same-origin", async () => {
    const response = await api("/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    const html = await response.text();
    const refs = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map(
      (m) => m[1] as string,
    );
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const ref of refs) {
      expect(ref, ref).toMatch(/^\/docs\/assets\//);
    }
    // No absolute URL to another origin anywhere in the page (a CDN would break offline use).
    expect(html).not.toMatch(/\b(?:src|href)="(?:https?:)?\/\//);
  });

  it.each([
    ["swagger-ui-bundle.js", /^text\/javascript/, "SwaggerUIBundle"],
    ["swagger-ui.css", /^text\/css/, ".swagger-ui"],
    ["docs-init.js", /^text\/javascript/, "/openapi.json"],
  ])("serves %s with its content type, a long cache and an ETag", async (name, type, marker) => {
    const html = await (await api("/docs")).text();
    const url = new RegExp(`"(/docs/assets/${name.replace(".", "\\.")}\\?v=[0-9a-f]+)"`).exec(
      html,
    )?.[1];
    expect(url, `${name} is linked from /docs`).toBeDefined();
    const response = await api(url as string);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(type);
    expect(response.headers.get("cache-control")).toContain("max-age=31536000");
    const etag = response.headers.get("etag");
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    expect(await response.text()).toContain(marker);

    const again = await api(url as string, { headers: { "if-none-match": etag as string } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });

  it("answers 404 for an asset it does not serve", async () => {
    expect((await api("/docs/assets/secrets.js")).status).toBe(404);
  });
});
