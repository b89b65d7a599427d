import { z } from "zod";
import { reportRoute } from "./formats/index";
import { problem } from "./problem";
import type { SandboxNetwork } from "./sandbox-network";
import { SANDBOX_ERROR_STATUS, SandboxError } from "./types";

/**
 * The sandbox network's own HTTP API, what Boomerang (and a shopper's browser) talk to:
 *
 *   GET /report?from=<ISO>&to=<ISO>[&cursor=<opaque>][&limit=<1-1000>]   Bearer token
 *   GET /feed                                                             Bearer token
 *   GET /click?subid=<sub-ID>&url=<landing URL>[&offer=<ref>]             302 to url
 *       (the sub-ID may come as `subid`, `subId1` or `sid`: each format's tracking parameter)
 *
 * and, for a network speaking another format, that network's own report API instead of
 * `/report` (formats/index.ts, `reportRoute`):
 *
 *   admitad   GET  /statistics/actions/                 Bearer <reportApiToken>
 *   impact    GET  /Mediapartners/<AccountSID>/Actions  Basic <AccountSID>:<reportApiToken>
 *   cj        POST /cj/query (GraphQL)                  Bearer <reportApiToken>
 *   template  GET  /template/report                     x-api-key: <reportApiToken>
 *
 * Paths are relative to `runtime.basePath`. Errors are problem+json, as Boomerang's own.
 */

const IsoTime = z.iso.datetime({ offset: true });

export async function handleSandboxRequest(
  network: SandboxNetwork,
  request: Request,
): Promise<Response> {
  const url = new URL(request.url);
  const base = network.runtime.basePath;
  const underBase = base === "" || url.pathname.startsWith(`${base}/`);
  // Admitad and Impact build report paths from an origin, so they are served at the root too.
  const formatRoute =
    reportRoute(network.format, request.method, underBase ? url.pathname.slice(base.length) : "") ??
    reportRoute(network.format, request.method, url.pathname);
  if (formatRoute !== null) {
    try {
      const fault = await applyFault(network, "report", request);
      if (fault !== null) return fault;
      return await formatRoute(network.reportContext(network.runtime.now()), request, url);
    } catch (error) {
      if (error instanceof SandboxError)
        return problem(SANDBOX_ERROR_STATUS[error.code], error.code, error.message);
      throw error;
    }
  }
  if (!underBase) return problem(404, "not_found", "no such route");
  const path = url.pathname.slice(base.length);
  const route = ROUTES[path];
  if (route === undefined) return problem(404, "not_found", "no such route");
  if (request.method !== "GET" && request.method !== "HEAD") {
    return problem(405, "method_not_allowed", `${path} answers GET`, {
      headers: { allow: "GET, HEAD" },
    });
  }
  try {
    return await route(network, request, url);
  } catch (error) {
    if (error instanceof SandboxError)
      return problem(SANDBOX_ERROR_STATUS[error.code], error.code, error.message);
    throw error;
  }
}

type Route = (network: SandboxNetwork, request: Request, url: URL) => Promise<Response>;

const ROUTES: Record<string, Route> = {
  "/report": async (network, request, url) => {
    if (!network.authorize(request.headers.get("authorization"))) return unauthorized();
    const fault = await applyFault(network, "report", request);
    if (fault !== null) return fault;
    const from = url.searchParams.get("from");
    const to = url.searchParams.get("to");
    if (
      from === null ||
      to === null ||
      !IsoTime.safeParse(from).success ||
      !IsoTime.safeParse(to).success
    ) {
      return problem(
        400,
        "invalid_input",
        "from and to are required ISO 8601 times with Z or an offset",
      );
    }
    const limit = url.searchParams.get("limit");
    if (limit !== null && !/^\d{1,4}$/.test(limit))
      return problem(400, "invalid_input", "limit must be 1-1000");
    const page = network.reportPage(
      {
        fromMs: Date.parse(from),
        toMs: Date.parse(to),
        cursor: url.searchParams.get("cursor"),
        ...(limit !== null ? { pageSize: Number(limit) } : {}),
      },
      network.runtime.now(),
    );
    return json(200, page);
  },

  "/feed": async (network, request) => {
    if (!network.authorize(request.headers.get("authorization"))) return unauthorized();
    const fault = await applyFault(network, "feed", request);
    if (fault !== null) return fault;
    return json(200, network.feed());
  },

  "/click": async (network, _request, url) => {
    const subId =
      url.searchParams.get("subid") ??
      url.searchParams.get("subId1") ??
      url.searchParams.get("sid");
    const target = url.searchParams.get("url");
    if (subId === null || subId.length === 0)
      return problem(400, "invalid_input", "subid is required");
    let location: URL;
    try {
      location = new URL(target ?? "");
    } catch {
      return problem(400, "invalid_input", "url must be an absolute http(s) URL");
    }
    if (location.protocol !== "http:" && location.protocol !== "https:") {
      return problem(400, "invalid_input", "url must be an absolute http(s) URL");
    }
    network.recordClick(subId, network.runtime.now(), url.searchParams.get("offer"));
    return new Response(null, {
      status: 302,
      headers: { location: location.toString(), "cache-control": "no-store" },
    });
  },
};

/** Applies a configured report/feed failure: an error status, or a hang that ends in 504. */
async function applyFault(
  network: SandboxNetwork,
  endpoint: "feed" | "report",
  request: Request,
): Promise<Response | null> {
  const fault = network.takeEndpointFault(endpoint);
  if (fault === null) return null;
  if (fault.kind === "status") {
    return problem(fault.status, "injected_fault", `the sandbox ${endpoint} is failing (injected)`);
  }
  // A caller with a timeout aborts the request; the sleep rejects with its reason, as fetch would.
  await network.runtime.sleep(fault.afterMs, request.signal ?? null);
  return problem(504, "injected_fault", `the sandbox ${endpoint} timed out (injected)`);
}

function unauthorized(): Response {
  return problem(401, "unauthorized", "a valid Bearer token is required", {
    headers: { "www-authenticate": 'Bearer realm="sandbox-network"' },
  });
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}
