import http from "node:http";

/**
 * `npx tsx dev/checks/keep-alive.ts [baseUrl]` against `npm run dev`: sends requests whose
 * bodies the workers answer without reading (an oversized postback, a POST to a GET-only
 * route, …), each followed by a small request on the SAME keep-alive connection, and fails
 * if the follow-up is refused. workerd cannot reuse a connection whose request body was left
 * unread (workerd#1741): the follow-up used to get `503 Your worker restarted mid-request`.
 */
const BASE_URL = process.argv[2] ?? process.env.BASE_URL ?? "http://localhost:8787";
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

interface Probe {
  name: string;
  path: string;
  headers?: Record<string, string>;
}

/** The sandbox processor's local-only key (dev/sandbox-processor/wrangler.toml). */
const PROCESSOR_AUTH = { authorization: "Bearer sandbox-processor-api-key-local-only" };

/** Each probe sends a body that is answered before (or without) being read. */
const PROBES: Probe[] = [
  { name: "postback over the size bound", path: "/postback/demo-network" },
  { name: "postback to an unknown network", path: "/postback/no-such-network" },
  { name: "postback to a bad network id", path: "/postback/NOT_A_SLUG" },
  { name: "postback worker 404", path: "/postback/" },
  { name: "POST to the redirect", path: "/c/not-a-token" },
  { name: "sandbox action on an unknown order", path: "/sandbox/orders/NOPE/approve" },
  { name: "sandbox unknown route", path: "/sandbox/nope" },
  { name: "processor without its key", path: "/sandbox-processor/v1/payouts" },
  {
    name: "processor over its bound",
    path: "/sandbox-processor/control/faults",
    headers: PROCESSOR_AUTH,
  },
  { name: "processor unknown route", path: "/sandbox-processor/nope", headers: PROCESSOR_AUTH },
];

/** Over every bound on these routes (16 KiB) and under the drain limit (1 MiB). */
const BODY_BYTES = 17 * 1024;

function send(
  method: string,
  path: string,
  body: string,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      new URL(path, BASE_URL),
      {
        method,
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(body)),
          ...extraHeaders,
        },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

let failures = 0;
for (const probe of PROBES) {
  const first = await send("POST", probe.path, "x".repeat(BODY_BYTES), probe.headers);
  // Any postback will do as the follow-up: unsigned, so it is a 4xx from the worker itself.
  const second = await send("POST", "/postback/demo-network", "{}");
  const ok = second.status !== 503 && second.status < 500;
  if (!ok) failures++;
  console.log(
    `${ok ? "ok  " : "FAIL"} ${probe.name}: ${first.status}, then ${second.status}` +
      (ok ? "" : ` ${second.text.slice(0, 120)}`),
  );
}
agent.destroy();
if (failures > 0) {
  console.log(`${failures} follow-up request(s) failed on a reused connection`);
  process.exit(1);
}
console.log("PASS: every follow-up on the reused connection was answered by the worker");
