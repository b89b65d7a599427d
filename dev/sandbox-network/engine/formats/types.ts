import type { OrderVersion, SandboxOrder, SandboxStatus } from "../types";

/** The wire formats the sandbox can speak: one per adapter in shared/networks. */
export const SANDBOX_FORMATS = ["generic", "admitad", "impact", "cj", "template"] as const;

export type SandboxFormat = (typeof SANDBOX_FORMATS)[number];

/**
 * What a network speaking `format` needs besides its postback secret. Each is what the real
 * network would hand the operator, and what the operator then types into Boomerang's network
 * record (docs/sandbox.md lists the pairs).
 */
export interface FormatSettings {
  format: SandboxFormat;
  /**
   * The report API's credential (Admitad access token, Impact Auth Token, CJ personal access
   * token, the template network's API key). The generic format uses the postback secret.
   */
  reportApiToken: string;
  /** impact.com Account SID: the report path and the Basic user name. */
  accountSid: string;
  /** CJ publisher company id (CID): the report's `forPublishers`. */
  publisherId: string;
}

/** An order as one format renders it: the order, its place in the network, its history. */
export interface RenderedOrder {
  order: SandboxOrder;
  /** Position of the order in the network (0-based): the seed of the network's own ids. */
  index: number;
  /** The versions that had happened by the time of rendering, oldest first (never empty). */
  versions: OrderVersion[];
}

/** Query or form parameters, in the order they are sent. */
export type WireParams = Array<[string, string]>;

/** The last version of a rendered order. */
export function current(rendered: RenderedOrder): OrderVersion {
  return rendered.versions[rendered.versions.length - 1] as OrderVersion;
}

/** Status words per format (what each network calls pending, approved and cancelled). */
export type StatusWords = Record<SandboxStatus, string>;

/** What a format's report API answers from: the orders visible now, and the network's settings. */
export interface ReportContext {
  settings: FormatSettings;
  /** The network's page size: a caller may ask for fewer rows per page, never more. */
  pageSize: number;
  /** Every order with a version visible now (after the report lag), in placement order. */
  orders: RenderedOrder[];
}
