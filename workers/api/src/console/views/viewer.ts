import type { Context } from "hono";
import type { ConsoleContext } from "../context";
import type { Viewer } from "./layout";

/** The signed-in operator as the layout shows them. */
export function viewerOf(c: Context<ConsoleContext>): Viewer {
  const { operator, csrfToken } = c.get("session");
  const api = c.get("api");
  return {
    displayName: operator.displayName,
    role: operator.role,
    timeZone: operator.timeZone,
    csrfToken,
    canRead: (apiPath) => api.can("GET", apiPath),
  };
}
