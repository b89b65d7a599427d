import { OpenAPIHono } from "@hono/zod-openapi";
import { AppError, fieldsFromZod } from "#shared/http/errors";
import type { ApiContext } from "../auth";

/**
 * A feature's sub-app. Each one carries the validation hook itself: a sub-app's routes are
 * validated with the hook of the app they were declared on, not the one they are mounted in.
 * Every validation failure becomes one problem+json 400 listing each bad field.
 *
 * @example
 * export const catalogAdminRoutes = featureApp().openapi(putNetworkRoute, handler);
 * app.route("/admin/v1", catalogAdminRoutes);
 */
export function featureApp() {
  return new OpenAPIHono<ApiContext>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new AppError(
          "validation_failed",
          "the request did not pass validation",
          fieldsFromZod(result.error.issues),
        );
      }
    },
  });
}

export type FeatureApp = ReturnType<typeof featureApp>;
