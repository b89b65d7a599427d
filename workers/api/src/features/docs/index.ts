import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ApiContext } from "../../auth";
import { documentLimits } from "../../http/limits/document-limits";
import { registerReferencePage } from "./docs-page";
import { OPENAPI_CONFIG } from "./info";

export { OPENAPI_CONFIG } from "./info";

/**
 * The contract: security schemes registered once, `/openapi.json` (OpenAPI 3.1) generated
 * from every mounted feature's routes, and the `/docs` reference page rendered from it. Call
 * after the features are mounted.
 *
 * @example
 * mountDocs(app); // GET /openapi.json, GET /docs, GET /docs/assets/:name
 */
export function mountDocs(app: OpenAPIHono<ApiContext>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "adminKey", {
    type: "http",
    scheme: "bearer",
    description:
      "An operator admin key (ADMIN_API_KEYS, or the single ADMIN_API_KEY). Its role, configured as its scope (admin, catalog, support, finance, viewer; read-only and payouts are aliases of viewer and finance), decides which routes it may call: 403 otherwise. Every write is in the audit log.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "userJwt", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "HS256 JWT minted by the operator's backend: sub = user id, exp required (at most USER_JWT_MAX_LIFETIME_SEC after iat); iss and aud when the deployment checks them",
  });
  documentLimits(app.openAPIRegistry);
  app.doc31("/openapi.json", OPENAPI_CONFIG);
  registerReferencePage(app, () => app.getOpenAPI31Document(OPENAPI_CONFIG));
}
