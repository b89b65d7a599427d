import type { ReferenceAsset } from "../../features/docs/reference-assets";
import { CONSOLE_CSS } from "./console-css";

/**
 * The console's static files, served by the api worker from /console/static/<name>: htmx
 * (pinned in package.json, bundled as a text module, so no CDN) and the stylesheet. Loaded
 * on first request only, like /docs's files.
 */
export const HTMX_VERSION = "2.0.11";

export const CONSOLE_ASSETS: readonly ReferenceAsset[] = [
  {
    name: `htmx-${HTMX_VERSION}.min.js`,
    contentType: "text/javascript; charset=utf-8",
    load: async () => (await import("htmx.org/dist/htmx.min.js")).default,
  },
  {
    name: "console.css",
    contentType: "text/css; charset=utf-8",
    load: async () => CONSOLE_CSS,
  },
];
