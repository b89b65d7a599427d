import type { FirstPartyEvent } from "#shared/events/event-schema";
import { type LinkKey, linkIdentifiersOf } from "#shared/fraud/identity-links";
import type { ActivityKind, Observation } from "#shared/fraud/risk-contract";

/**
 * The events the user's risk object hears about (docs/fraud.md "Signals"): sign-ins (a signup
 * is the first), and password, e-mail and phone changes. Built at intake, while the raw device
 * id, address, e-mail and phone are in hand, so only their keyed hashes go on; sent through the
 * outbox with the event's acceptance, so an event accepted is an observation reported, once.
 */
const OBSERVED: Readonly<Record<string, ActivityKind>> = {
  "user.signed_up": "login",
  "user.logged_in": "login",
  "user.password_changed": "profile_changed",
  "user.email_changed": "profile_changed",
  "user.phone_changed": "profile_changed",
};

const PROFILE_CHANGE: Readonly<Record<string, string>> = {
  "user.password_changed": "password",
  "user.email_changed": "email",
  "user.phone_changed": "phone",
};

/**
 * The observation an event makes, or null for events scoring does not look at. `data` is the
 * event's data as sent (raw personal fields included); none of it is copied as sent.
 *
 * @example
 * await eventObservation(key, "u1", { id: "e1", type: "user.logged_in", … }) // { observationId: "event:e1", kind: "login", … }
 */
export async function eventObservation(
  key: LinkKey | null,
  userId: string,
  event: FirstPartyEvent,
): Promise<Observation | null> {
  const kind = OBSERVED[event.type];
  if (!kind) return null;
  const data = event.data;
  const facts: Record<string, string | number | boolean> = {};
  if (typeof data.country === "string") facts["signal.country"] = data.country;
  if (typeof data.asn === "number") facts["signal.asn"] = data.asn;
  // Where the request came from, coarsened to ~1 km (request.cf's city-level point): the
  // speed between sign-ins (docs/fraud.md "Signals"). Only as a pair.
  if (typeof data.latitude === "number" && typeof data.longitude === "number") {
    facts["signal.latitude"] = Math.round(data.latitude * 100) / 100;
    facts["signal.longitude"] = Math.round(data.longitude * 100) / 100;
  }
  if (typeof data.platform === "string") facts["signal.platform"] = data.platform;
  if (event.type === "user.signed_up") facts["signal.signup"] = true;
  const change = PROFILE_CHANGE[event.type];
  if (change) facts["signal.profileChange"] = change;
  const identifiers = key
    ? await linkIdentifiersOf(key, {
        deviceId: data.deviceId,
        ipAddress: data.ipAddress,
        email: data.email,
        phone: data.phone,
        paymentInstrumentHash: data.paymentInstrumentHash,
      })
    : {};
  return {
    observationId: `event:${event.id}`,
    userId,
    kind,
    atMs: event.occurredAtMs,
    identifiers,
    facts,
  };
}
