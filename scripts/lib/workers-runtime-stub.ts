import { register } from "node:module";

/**
 * Lets a Node script import worker modules that declare Durable Objects (`cloudflare:workers`):
 * the base classes become empty stubs. Import this module before any worker code, in its
 * own import statement, so the hook is in place when the worker graph is loaded.
 */
register("./workers-runtime-hooks.mjs", import.meta.url);
