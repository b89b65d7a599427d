import type { OpenAPIHono } from "@hono/zod-openapi";

type OpenAPIObjectConfig = Parameters<OpenAPIHono["getOpenAPI31Document"]>[0];

/**
 * Where `npm run dev` serves the api worker (scripts/dev.ts, PORT defaults to 8787). An IP,
 * not "localhost": Redocly's recommended rules refuse localhost and example.com servers.
 */
export const LOCAL_SERVER_URL = "http://127.0.0.1:8787";

/**
 * Everything in the OpenAPI document that is not built from the routes: the version of the
 * spec, the API's own info, and the servers a reader can try it on. `/openapi.json`, the
 * `/docs` reference, `npm run lint:openapi` and `npm run client:generate` all read the
 * document this config produces, so they cannot drift apart.
 *
 * @example
 * app.doc31("/openapi.json", OPENAPI_CONFIG);
 * const doc = app.getOpenAPI31Document(OPENAPI_CONFIG);
 */
export const OPENAPI_CONFIG = {
  openapi: "3.1.0",
  info: {
    title: "Boomerang",
    version: "0.1.0",
    description:
      "Cashback, referral and loyalty platform API. Amounts are integer minor units with a currency; rates are basis points. Errors are `application/problem+json` (RFC 9457).",
    license: { name: "MIT", url: "https://opensource.org/license/mit" },
  },
  // "/" first: the origin that served this document, so /docs "Try it out" calls the same
  // deployment the reader is looking at; then the local runtime, for tools that read the file.
  servers: [
    { url: "/", description: "The origin serving this document" },
    { url: LOCAL_SERVER_URL, description: "`npm run dev` (all workers on one local port)" },
  ],
} satisfies OpenAPIObjectConfig;
