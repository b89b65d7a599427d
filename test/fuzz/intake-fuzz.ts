import {
  createExecutionContext,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import {
  formatRequest,
  type SandboxFormat,
  SandboxNetwork,
} from "#dev/sandbox-network/engine/index";
import { signEvents } from "#shared/events/event-signature";
import { signPostback } from "#shared/postback/signature";
import eventsWorker from "#workers/events/src/index";
import postbackWorker from "#workers/postback/src/index";
import { EVENT_KEYS, eventId, purchase } from "../events-client";
import { adminPut, NETWORK_SECRET, uniqueUser, walletStub } from "../helpers";
import { networkInput, REPORT_TOKEN } from "../network-format-driver";
import {
  BODY_MUTATIONS,
  HOSTILE_QUERY_VALUES,
  HOSTILE_STRINGS,
  mutateBody,
  mutateValue,
  VALUE_MUTATIONS,
} from "./mutations";

/**
 * Hostile fuzzing of the two intakes: postbacks in every network format (generic signed JSON;
 * Admitad, Impact and CJ token GETs; the template network's signed form POST) and first-party
 * events. Each request starts from one the sandbox network (or the events client) signs
 * validly, is then mutated (values, bytes, framing) and signed again, or sent with a bad,
 * missing or expired signature. For every response: never a 5xx; every 4xx is
 * application/problem+json; a refused postback enqueues no accepted message and no conversion
 * (the worker's POSTBACKS queue is a recorder here; a refusal is recorded as a `rejected`
 * message for the audit trail); a refused event changes nothing in the user's wallet.
 *
 * Shared by the CI sample (intake-fuzz.e2e.test.ts) and the long run (intake-run.fuzz.ts,
 * `npm run fuzz -- --intake N`): the same seed sends the same requests.
 */

export const FORMATS: SandboxFormat[] = ["generic", "admitad", "impact", "cj", "template"];
interface Sent {
  status: number;
  contentType: string | null;
  text: string;
  enqueued: number;
}

/** Sends one request to the real postback worker with POSTBACKS replaced by a recorder. */
async function toPostbackWorker(request: Request): Promise<Sent> {
  const messages: Array<{ verdict?: string; conversions?: unknown[] }> = [];
  const recorder = {
    send: async (message: { verdict?: string; conversions?: unknown[] }) => {
      messages.push(message);
    },
    sendBatch: async (batch: Iterable<{ body: { verdict?: string; conversions?: unknown[] } }>) => {
      for (const m of batch) messages.push(m.body);
    },
  };
  const ctx = createExecutionContext();
  const response = await postbackWorker.fetch(
    request as Request<unknown, IncomingRequestCfProperties>,
    { ...env, POSTBACKS: recorder as unknown as Queue },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    text: await response.text(),
    // A refused postback is still recorded (a `rejected` message, kept for audit): what must
    // never leave a refused request is an accepted message or a conversion.
    enqueued: messages.filter((m) => m.verdict !== "rejected" || (m.conversions?.length ?? 0) > 0)
      .length,
  };
}

/** A valid postback of `format` from the sandbox network: its parameters or JSON body. */
async function validDelivery(format: SandboxFormat, networkId: string) {
  const sandbox = new SandboxNetwork(
    {
      networkId,
      postbackSecret: NETWORK_SECRET,
      seed: 9,
      format,
      reportPageSize: 1,
      ...(format === "generic" ? {} : { reportApiToken: REPORT_TOKEN }),
    },
    { now: () => Date.now(), basePath: "/sandbox" },
  );
  sandbox.placeOrder({
    orderId: `FZ-${networkId}`,
    subId: "x".repeat(32),
    currency: "INR",
    saleAmountMinor: 129_900,
    commissionMinor: 9_000,
    atMs: Date.now() - 60_000,
  });
  const [delivery] = await sandbox.drainPostbacks(Date.now() + 60_000);
  if (!delivery) throw new Error(`the sandbox sent no ${format} postback`);
  return delivery;
}

const POSTBACK_MUTATIONS = [
  "value",
  "value",
  "bytes",
  "bad-signature",
  "no-signature",
  "expired",
  "wrong-secret",
] as const;

const plan = fc.record({
  kind: fc.constantFrom(...POSTBACK_MUTATIONS),
  value: fc.constantFrom(...VALUE_MUTATIONS),
  bytes: fc.constantFrom(...BODY_MUTATIONS),
  a: fc.nat(),
  b: fc.nat(),
});

type Plan = typeof plan extends fc.Arbitrary<infer P> ? P : never;

/** A generic postback (signed JSON), mutated as `p` says. */
async function genericRequest(
  networkId: string,
  body: string,
  p: Plan,
): Promise<[Request, string]> {
  const nowSec = Math.floor(Date.now() / 1000);
  let raw = body;
  let contentType: string | undefined = "application/json";
  let secret = NETWORK_SECRET;
  let timestampSec = nowSec;
  let signature: string | null | undefined;
  let label: string = p.kind;
  if (p.kind === "value") {
    raw = JSON.stringify(mutateValue(JSON.parse(body), p.value, p.a, p.b));
    label = `value:${p.value}`;
  }
  if (p.kind === "bytes") {
    const mutated = mutateBody(body, p.bytes, p.a, 64 * 1024);
    raw = mutated.text ?? "";
    contentType = mutated.contentType;
    label = `bytes:${p.bytes}`;
  }
  if (p.kind === "wrong-secret") secret = "not-the-network-secret-at-all-000000";
  if (p.kind === "expired") timestampSec = nowSec - 3_600 - (p.a % 86_400);
  if (p.kind === "no-signature") signature = null;
  if (p.kind === "bad-signature")
    signature = ["garbage", "t=1,v1=00", "", "v1=", `t=${nowSec},v1=${"0".repeat(64)}`][
      p.a % 5
    ] as string;
  if (signature === undefined) signature = await signPostback(secret, networkId, raw, timestampSec);
  const headers: Record<string, string> = {};
  if (contentType) headers["content-type"] = contentType;
  if (signature !== null) headers["boomerang-signature"] = signature;
  return [
    new Request(`https://postback.test/postback/${networkId}`, {
      method: "POST",
      headers,
      body: raw,
    }),
    label,
  ];
}

/** A non-generic postback (token GET, or the template's signed form), mutated as `p` says. */
async function formatRequestMutated(
  format: Exclude<SandboxFormat, "generic">,
  networkId: string,
  params: Array<[string, string]>,
  p: Plan,
): Promise<[Request, string]> {
  const nowSec = Math.floor(Date.now() / 1000);
  let next = params.map(([k, v]) => [k, v] as [string, string]);
  let label: string = p.kind;
  let secret = NETWORK_SECRET;
  let signedAt = nowSec;
  if (p.kind === "value" || p.kind === "bytes") {
    const i = p.a % Math.max(1, next.length);
    const action = p.b % 4;
    if (action === 0) next.splice(i, 1);
    else if (action === 1 && next[i])
      next[i] = [next[i][0], HOSTILE_QUERY_VALUES[p.b % HOSTILE_QUERY_VALUES.length] as string];
    else if (action === 2 && next[i])
      next[i] = [next[i][0], HOSTILE_STRINGS[p.b % HOSTILE_STRINGS.length] as string];
    else next = [...next, ...next];
    label = `param:${["drop", "hostile-number", "hostile-string", "duplicate"][action]}`;
  }
  if (p.kind === "wrong-secret" || p.kind === "bad-signature")
    secret = "not-the-network-secret-at-all-000000";
  if (p.kind === "expired") signedAt = nowSec - 3_600 - (p.a % 86_400);
  const built = await formatRequest(format, networkId, secret, next, signedAt);
  let path = built.path;
  const headers = { ...built.headers };
  if (p.kind === "no-signature") {
    const url = new URL(path, "https://postback.test");
    url.searchParams.delete("token");
    path = `${url.pathname}${url.search}`;
    for (const name of Object.keys(headers)) if (name !== "content-type") delete headers[name];
  }
  return [
    new Request(new URL(path, "https://postback.test"), {
      method: built.method,
      headers,
      ...(built.method === "GET" ? {} : { body: built.body }),
    }),
    label,
  ];
}

function check(label: string, sent: Sent, findings: string[]) {
  const seen = `${label} → ${sent.status} ${sent.text.slice(0, 200)}`;
  if (sent.status >= 500) findings.push(`5xx: ${seen}`);
  if (sent.status >= 400 && sent.status < 500) {
    if (!sent.contentType?.startsWith("application/problem+json"))
      findings.push(`4xx not problem+json: ${seen}`);
    if (sent.enqueued > 0)
      findings.push(`refused, yet ${sent.enqueued} accepted message(s) enqueued: ${seen}`);
  }
}

/** Registers one fuzz network per format (`fz-<format>`), as an operator would. */
export async function setUpIntakeNetworks(): Promise<void> {
  for (const format of FORMATS) {
    const response = await adminPut(
      `/admin/v1/networks/fz-${format}`,
      networkInput(format, `Fuzz (${format})`),
    );
    if (response.status !== 200)
      throw new Error(`network ${format}: ${response.status} ${await response.text()}`);
  }
}

export interface IntakeReport {
  findings: string[];
  tally: Map<number, number>;
}

/**
 * `count` postbacks of `format` from `seed`: valid ones from the sandbox network, mutated or
 * badly signed. No 5xx; 4xx problem+json; a refusal enqueues no accepted message.
 */
export async function fuzzPostbacks(
  format: SandboxFormat,
  seed: number,
  count: number,
): Promise<IntakeReport> {
  const networkId = `fz-${format}`;
  const delivery = await validDelivery(format, networkId);
  const findings: string[] = [];
  const tally = new Map<number, number>();
  const plans = fc.sample(plan, { seed: seed + FORMATS.indexOf(format), numRuns: count });
  for (const p of plans) {
    const [request, label] =
      format === "generic"
        ? await genericRequest(networkId, delivery.body, p)
        : await formatRequestMutated(format, networkId, delivery.params ?? [], p);
    const sent = await toPostbackWorker(request);
    tally.set(sent.status, (tally.get(sent.status) ?? 0) + 1);
    check(`${format} ${label}`, sent, findings);
  }
  return { findings, tally };
}

async function walletFingerprint(userId: string): Promise<string> {
  return runInDurableObject(walletStub(userId), (_instance, state) => {
    const sql = state.storage.sql;
    const count = (table: string) => {
      try {
        return Number(sql.exec(`SELECT COUNT(*) AS n FROM ${table}`).one().n);
      } catch {
        return -1;
      }
    };
    return `events=${count("events")} entries=${count("entries")} lots=${count("points_lots")}`;
  });
}

/**
 * `count` first-party events from `seed`, mutated or badly signed, for one fresh user: no 5xx;
 * 4xx problem+json; a refused event changes nothing in the wallet.
 */
export async function fuzzEvents(seed: number, count: number): Promise<IntakeReport> {
  const user = uniqueUser("fuzz-events");
  const findings: string[] = [];
  const tally = new Map<number, number>();
  const plans = fc.sample(plan, { seed, numRuns: count });
  for (const p of plans) {
    const valid = JSON.stringify(purchase(user, eventId("fz")));
    const nowSec = Math.floor(Date.now() / 1000);
    let raw = valid;
    let contentType: string | undefined = "application/json";
    let secret: string = EVENT_KEYS.backend.secret;
    let timestampSec = nowSec;
    let signature: string | null | undefined;
    let label: string = p.kind;
    if (p.kind === "value") {
      raw = JSON.stringify(mutateValue(JSON.parse(valid), p.value, p.a, p.b));
      label = `value:${p.value}`;
    }
    if (p.kind === "bytes") {
      const mutated = mutateBody(valid, p.bytes, p.a, 64 * 1024);
      raw = mutated.text ?? "";
      contentType = mutated.contentType;
      label = `bytes:${p.bytes}`;
    }
    if (p.kind === "wrong-secret") secret = "not-the-event-secret-0123456789abcdef";
    if (p.kind === "expired") timestampSec = nowSec - 3_600 - (p.a % 86_400);
    if (p.kind === "no-signature") signature = null;
    if (p.kind === "bad-signature")
      signature = ["garbage", "t=1,v1=00", "", `t=${nowSec},v1=${"0".repeat(64)}`][
        p.a % 4
      ] as string;
    if (signature === undefined)
      signature = await signEvents(secret, EVENT_KEYS.backend.name, raw, timestampSec);
    const headers: Record<string, string> = { "boomerang-key": EVENT_KEYS.backend.name };
    if (contentType) headers["content-type"] = contentType;
    if (signature !== null) headers["boomerang-signature"] = signature;
    const before = await walletFingerprint(user);
    const ctx = createExecutionContext();
    const response = await eventsWorker.fetch(
      new Request("https://events.test/v1/events", {
        method: "POST",
        headers,
        body: raw,
      }) as Request<unknown, IncomingRequestCfProperties>,
      env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    const sent: Sent = {
      status: response.status,
      contentType: response.headers.get("content-type"),
      text: await response.text(),
      enqueued: 0,
    };
    tally.set(sent.status, (tally.get(sent.status) ?? 0) + 1);
    check(`event ${label}`, sent, findings);
    if (sent.status >= 400 && sent.status < 500) {
      const after = await walletFingerprint(user);
      if (after !== before)
        findings.push(
          `event ${label} refused (${sent.status}) but the wallet changed: ${before} → ${after}`,
        );
    }
  }
  return { findings, tally };
}
