import { toHex } from "#shared/crypto/encoding";
import { sha256 } from "#shared/crypto/hmac";

/**
 * Swagger UI's files, bundled into the api worker as text modules (the `[[rules]]` entry in
 * wrangler.toml), so /docs needs no CDN and works offline under `npm run dev`. Each is
 * loaded on first request only: the app module stays importable outside workerd, where
 * scripts/openapi-document.ts builds the document without ever serving /docs.
 */
export interface ReferenceAsset {
  /** The file name under /docs/assets/. */
  name: string;
  contentType: string;
  load: () => Promise<string>;
}

/** The browser code that mounts Swagger UI on /docs, from the served document. */
const INITIALIZER = `window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
    // The default validator is a remote service; the document is linted in CI instead.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
`;

export const REFERENCE_ASSETS: readonly ReferenceAsset[] = [
  {
    name: "swagger-ui-bundle.js",
    contentType: "text/javascript; charset=utf-8",
    load: async () => (await import("swagger-ui-dist/swagger-ui-bundle.js")).default,
  },
  {
    name: "swagger-ui.css",
    contentType: "text/css; charset=utf-8",
    load: async () => (await import("swagger-ui-dist/swagger-ui.css")).default,
  },
  {
    name: "docs-init.js",
    contentType: "text/javascript; charset=utf-8",
    load: async () => INITIALIZER,
  },
];

interface LoadedAsset {
  body: string;
  /** A strong validator: the hex sha-256 of the body, quoted. */
  etag: string;
}

const loaded = new Map<string, Promise<LoadedAsset>>();

/** The asset's body and ETag, computed once per isolate. */
export function loadAsset(asset: ReferenceAsset): Promise<LoadedAsset> {
  let entry = loaded.get(asset.name);
  if (!entry) {
    entry = asset.load().then(async (body) => ({
      body,
      etag: `"${toHex(await sha256(body)).slice(0, 32)}"`,
    }));
    // A failed load is not cached: the next request tries again.
    entry.catch(() => loaded.delete(asset.name));
    loaded.set(asset.name, entry);
  }
  return entry;
}

/**
 * The response for one asset: 304 when the browser's copy is current, else the body. The
 * URLs carry the ETag as `?v=`, so a long immutable cache is safe: a new Swagger UI version
 * gets new URLs.
 *
 * @example
 * const asset = REFERENCE_ASSETS.find((a) => a.name === "swagger-ui.css");
 * if (asset) return assetResponse(asset, request.headers.get("if-none-match"));
 */
export async function assetResponse(
  asset: ReferenceAsset,
  ifNoneMatch: string | null,
): Promise<Response> {
  const { body, etag } = await loadAsset(asset);
  const headers = {
    "content-type": asset.contentType,
    "cache-control": "public, max-age=31536000, immutable",
    etag,
    "x-content-type-options": "nosniff",
  };
  const current = (ifNoneMatch ?? "").split(",").map((tag) => tag.trim().replace(/^W\//, ""));
  if (current.includes(etag) || ifNoneMatch?.trim() === "*") {
    return new Response(null, { status: 304, headers });
  }
  return new Response(body, { status: 200, headers });
}
