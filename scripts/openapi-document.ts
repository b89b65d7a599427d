import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createApp } from "#workers/api/src/app";

/**
 * `npm run openapi:dump -- <file>` — writes the document the api worker serves at
 * /openapi.json, taken from the app itself (no server, no bindings: building the document
 * touches neither), so the linter and the client generator read exactly what clients get.
 *
 *   npm run -s openapi:dump -- .openapi/openapi.json
 */
export async function servedDocument(): Promise<unknown> {
  const response = await createApp().request("/openapi.json");
  if (!response.ok) throw new Error(`/openapi.json answered ${response.status}`);
  return response.json();
}

const target = process.argv[2];
if (!target) {
  console.error("usage: tsx scripts/openapi-document.ts <output.json>");
  process.exit(2);
}
mkdirSync(path.dirname(path.resolve(target)), { recursive: true });
writeFileSync(target, `${JSON.stringify(await servedDocument(), null, 2)}\n`);
