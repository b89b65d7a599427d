import type { OpenAPIHono } from "@hono/zod-openapi";
import type { ApiContext } from "../../auth";
import { renderDocsPage } from "./docs-page";

/** The document's header; paths and components come from the mounted features. */
export const OPENAPI_INFO = {
  openapi: "3.0.3",
  info: {
    title: "Boomerang",
    version: "0.1.0",
    description:
      "Cashback, referral and loyalty platform API. Amounts are integer minor units with a currency; rates are basis points.",
  },
};

/**
 * The contract: security schemes registered once, `/openapi.json` generated from every
 * mounted feature's routes, and the `/docs` reference page rendered from it. Call after the
 * features are mounted.
 *
 * @example
 * mountDocs(app); // GET /openapi.json, GET /docs
 */
export function mountDocs(app: OpenAPIHono<ApiContext>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "adminKey", {
    type: "http",
    scheme: "bearer",
    description: "The operator's ADMIN_API_KEY",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "userJwt", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "HS256 JWT minted by the operator's backend: sub = user id, exp required",
  });
  app.doc("/openapi.json", OPENAPI_INFO);
  app.get("/docs", (c) => c.html(renderDocsPage(app.getOpenAPIDocument(OPENAPI_INFO) as never)));
}
