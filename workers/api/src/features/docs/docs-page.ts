import type { Hono } from "hono";
import { escapeHtml } from "#shared/http/pages";
import { assetResponse, loadAsset, REFERENCE_ASSETS } from "./reference-assets";

/** Where the reference page's files are served; same origin, so /docs works offline. */
export const REFERENCE_ASSETS_PATH = "/docs/assets";

/** The parts of the OpenAPI document the page reads itself (the rest Swagger UI fetches). */
export interface DocsPageDocument {
  info: { title: string; version: string; description?: string };
  paths?: object;
}

type Operations = Record<string, { summary?: string } | undefined>;

const HTTP_METHODS = new Set(["get", "put", "post", "delete", "patch", "head", "options"]);

/** A plain list of every operation, for readers without JavaScript (and for grep). */
function operationIndex(doc: DocsPageDocument): string {
  const paths = (doc.paths ?? {}) as Record<string, Operations>;
  const rows = Object.entries(paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(
        ([method, op]) =>
          `<li><code>${method.toUpperCase()} ${escapeHtml(path)}</code> ${escapeHtml(op?.summary ?? "")}</li>`,
      ),
  );
  return `<ul>${rows.join("\n")}</ul>`;
}

/**
 * The /docs page: Swagger UI rendering /openapi.json, with every script and stylesheet
 * served by this worker under /docs/assets/ (URLs versioned by content hash), and a plain
 * operation index for readers without JavaScript.
 *
 * @example
 * renderDocsPage(doc, { "swagger-ui.css": "/docs/assets/swagger-ui.css?v=ab12" });
 */
export function renderDocsPage(doc: DocsPageDocument, assetUrls: Record<string, string>): string {
  const url = (name: string) => escapeHtml(assetUrls[name] ?? `${REFERENCE_ASSETS_PATH}/${name}`);
  const title = `${escapeHtml(doc.info.title)} API reference`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="${url("swagger-ui.css")}">
</head>
<body>
<div id="swagger-ui"></div>
<noscript>
<h1>${title} <small>${escapeHtml(doc.info.version)}</small></h1>
<p>The interactive reference needs JavaScript. Machine-readable: <a href="/openapi.json">/openapi.json</a>.</p>
${operationIndex(doc)}
</noscript>
<script src="${url("swagger-ui-bundle.js")}"></script>
<script src="${url("docs-init.js")}"></script>
</body>
</html>`;
}

/**
 * Serves /docs and its assets on the api app. These are plain routes, not OpenAPI
 * operations: they are not part of the API the document describes.
 *
 * @example
 * registerReferencePage(app, () => app.getOpenAPI31Document(OPENAPI_CONFIG));
 */
export function registerReferencePage(
  // biome-ignore lint/suspicious/noExplicitAny: the page serves any app, whatever its env.
  app: Hono<any>,
  document: () => DocsPageDocument,
): void {
  app.get("/docs", async (c) => {
    const entries = await Promise.all(
      REFERENCE_ASSETS.map(async (asset) => {
        const { etag } = await loadAsset(asset);
        const version = etag.replaceAll('"', "");
        return [asset.name, `${REFERENCE_ASSETS_PATH}/${asset.name}?v=${version}`] as const;
      }),
    );
    c.header("cache-control", "no-cache");
    return c.html(renderDocsPage(document(), Object.fromEntries(entries)));
  });
  app.get(`${REFERENCE_ASSETS_PATH}/:name`, (c) => {
    const asset = REFERENCE_ASSETS.find((a) => a.name === c.req.param("name"));
    if (!asset) return c.notFound();
    return assetResponse(asset, c.req.header("if-none-match") ?? null);
  });
}
