import { createExecutionContext } from "cloudflare:test";
import type { env } from "cloudflare:workers";
import {
  formatRequest,
  type OrderVersion,
  postbackParams,
  type SandboxFormat,
} from "#dev/sandbox-network/engine/index";
import postbackWorker from "#workers/postback/src/index";
import { adminPut, followLink, NETWORK_SECRET, trackingLinkFor } from "../../helpers";
import { networkInput, SUB_ID_PARAM } from "../../network-format-driver";
import type { PostbackState, SimNetwork } from "../generator";

/**
 * The simulation's postbacks in the four non-generic wire formats (Admitad, Impact, CJ and the
 * operator-described template; docs/networks.md). Each format gets its own network, merchant
 * and offer with the run's terms; a click on that offer carries its sub-ID in the parameter the
 * format echoes, and every generated state of an order is rendered by the sandbox network's
 * encoders (dev/sandbox-network/engine/formats) from the order's history up to that state, so
 * a re-sent older state is byte for byte what the network sent the first time (CJ's correction
 * records, Impact's deltas, Admitad's action ids included).
 *
 * Non-generic networks know whole seconds only: the generator's update ticks become seconds
 * here (the generic format keeps its milliseconds), so the network's order of updates is kept.
 */

export type NonGenericFormat = Exclude<SandboxFormat, "generic">;
export const NON_GENERIC_FORMATS: readonly NonGenericFormat[] = [
  "admitad",
  "impact",
  "cj",
  "template",
];

interface FormatNetwork {
  networkId: string;
  offerId: string;
  /** Orders seen on this network, in first-report order: the network's own ids derive from it. */
  orderIndex: Map<string, number>;
}

export interface FormatNetworks {
  networks: Map<NonGenericFormat, FormatNetwork>;
  /** Every state reported per order, in first-report order (the order's history). */
  histories: Map<string, PostbackState[]>;
  /** Whole-second base of the update times (ms). */
  baseMs: number;
  /** The generic network's offer (the run's catalog). */
  genericOfferId: string;
  /** Each user's tracking link per network, as the user API handed it out. */
  links: Map<string, string>;
}

/** Creates one network, merchant and offer per non-generic format, through the admin API. */
export async function setupFormatNetworks(
  runTag: string,
  terms: { defaultRateBps: number; categoryRates: Record<string, number> },
  currency: string,
  maxTicks: number,
  genericOfferId: string,
): Promise<FormatNetworks> {
  const networks = new Map<NonGenericFormat, FormatNetwork>();
  for (const format of NON_GENERIC_FORMATS) {
    const networkId = `sim-${format}-${runTag}`;
    const merchantId = `sim-shop-${format}-${runTag}`;
    const offerId = `sim-offer-${format}-${runTag}`;
    for (const [path, body] of [
      [`/admin/v1/networks/${networkId}`, networkInput(format, `Sim (${format})`)],
      [
        `/admin/v1/merchants/${merchantId}`,
        { networkId, name: `Sim shop (${format})`, landingUrl: "https://shop.test/deals" },
      ],
      [
        `/admin/v1/offers/${offerId}`,
        {
          merchantId,
          title: "Sim cashback",
          networkOfferRef: "4242",
          currency,
          cashback: { basis: "sale", ...terms },
          returnWindowDays: 30,
        },
      ],
    ] as const) {
      const response = await adminPut(path, body);
      if (response.status !== 200)
        throw new Error(`sim setup ${path}: ${response.status} ${await response.text()}`);
    }
    networks.set(format, { networkId, offerId, orderIndex: new Map() });
  }
  // Every update time in the past, a whole second, one second per generator tick.
  const baseMs = Math.floor((Date.now() - 60_000) / 1000) * 1000 - maxTicks * 1000;
  return { networks, histories: new Map(), baseMs, genericOfferId, links: new Map() };
}

/**
 * A click through the redirect worker on `network`'s offer (the generic one is the run's
 * catalog, its sub-ID in `sub`); the sub-ID the network receives.
 */
export async function clickOn(
  nets: FormatNetworks,
  network: SimNetwork,
  user: string,
  workerEnv: unknown,
): Promise<{ status: number; subId: string | null }> {
  const offerId = network === "generic" ? nets.genericOfferId : nets.networks.get(network)?.offerId;
  if (!offerId) throw new Error(`no ${network} network`);
  const key = `${user}|${network}`;
  const link = nets.links.get(key) ?? (await trackingLinkFor(user, offerId));
  nets.links.set(key, link);
  const response = await followLink(link, workerEnv);
  const location = response.headers.get("location") ?? "";
  const param = network === "generic" ? "sub" : SUB_ID_PARAM[network];
  const subId = location ? new URL(location).searchParams.get(param) : null;
  return { status: response.status, subId };
}

/** Sends `state` of an order the way `format`'s network does; the postback worker's answer. */
export async function postbackInFormat(
  nets: FormatNetworks,
  format: NonGenericFormat,
  order: { orderId: string; subId: string; occurredAtMs: number; currency: string },
  state: PostbackState,
  workerEnv: unknown,
): Promise<Response> {
  const net = nets.networks.get(format);
  if (!net) throw new Error(`no ${format} network`);
  const history = nets.histories.get(order.orderId) ?? [];
  if (!history.includes(state)) history.push(state);
  nets.histories.set(order.orderId, history);
  const upTo = history.slice(0, history.indexOf(state) + 1);
  const versions = upTo.map((s, i) => versionOf(nets, s, upTo[i - 1]));
  let index = net.orderIndex.get(order.orderId);
  if (index === undefined) {
    index = net.orderIndex.size;
    net.orderIndex.set(order.orderId, index);
  }
  const sandboxOrder = { ...order, versions };
  const params = postbackParams(format, { order: sandboxOrder, index, versions });
  if (!params) throw new Error(`${format} has no postback parameters`);
  const request = await formatRequest(
    format,
    net.networkId,
    NETWORK_SECRET,
    params,
    Math.floor(Date.now() / 1000),
  );
  return postbackWorker.fetch(
    new Request(`https://postback.test${request.path}`, {
      method: request.method,
      headers: request.headers,
      ...(request.method === "POST" ? { body: request.body } : {}),
    }) as Request<unknown, IncomingRequestCfProperties>,
    workerEnv as typeof env,
    createExecutionContext(),
  );
}

function versionOf(
  nets: FormatNetworks,
  state: PostbackState,
  previous: PostbackState | undefined,
): OrderVersion {
  const op =
    previous === undefined
      ? "place"
      : state.status === "cancelled"
        ? "cancel"
        : state.status !== previous.status
          ? "approve"
          : "refund";
  return {
    op,
    status: state.status,
    saleAmountMinor: state.saleMinor,
    commissionMinor: Math.floor(state.saleMinor * 0.08),
    category: state.category,
    lineItems: null,
    updatedAtMs: nets.baseMs + state.updatedAtOffsetMs * 1000,
  };
}
