import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { signEvents } from "#shared/events/event-signature";
import { DEV_EVENT_KEY_NAME, readDevVars } from "./lib/dev-vars";

/**
 * `npm run -s event -- --user <userId> --type purchase.completed [--amount 129900]
 *   [--currency INR] [--order ord-1] [--data '{"rating":5}'] [--id <eventId>]
 *   [--url http://localhost:8787] [--print]`
 *
 * Signs one first-party event the way an operator's backend must (docs/events.md) with the key
 * `npm run dev` configured, and sends it; with --print shows the curl command instead.
 */
const { values } = parseArgs({
  options: {
    user: { type: "string" },
    type: { type: "string", default: "purchase.completed" },
    id: { type: "string" },
    amount: { type: "string" },
    currency: { type: "string", default: "INR" },
    order: { type: "string" },
    data: { type: "string" },
    url: { type: "string", default: "http://localhost:8787" },
    print: { type: "boolean", default: false },
  },
});
if (!values.user) {
  console.error("usage: npm run -s event -- --user <userId> [--type purchase.completed] …");
  process.exit(2);
}
const data: Record<string, unknown> = values.data ? JSON.parse(values.data) : {};
if (values.amount) {
  data.amountMinor = Number(values.amount);
  data.currency = values.currency;
}
if (values.type === "purchase.completed") data.orderId ??= values.order ?? `ord-${randomUUID()}`;
const body = JSON.stringify({
  id: values.id ?? `evt-${randomUUID()}`,
  type: values.type,
  userId: values.user,
  occurredAt: new Date().toISOString(),
  data,
});
const secret = (readDevVars() as Record<string, string>).EVENT_KEY_SECRET;
if (!secret) {
  console.error("EVENT_KEY_SECRET is missing from .dev.vars: run `npm run dev` once");
  process.exit(2);
}
const signature = await signEvents(secret, DEV_EVENT_KEY_NAME, body, Math.floor(Date.now() / 1000));
const url = `${values.url}/v1/events`;
const headers = {
  "content-type": "application/json",
  "boomerang-key": DEV_EVENT_KEY_NAME,
  "boomerang-signature": signature,
};
if (values.print) {
  console.log(
    `curl -sS -X POST '${url}' ${Object.entries(headers)
      .map(([k, v]) => `-H '${k}: ${v}'`)
      .join(" ")} -d '${body}'`,
  );
} else {
  const response = await fetch(url, { method: "POST", headers, body });
  console.log(response.status, await response.text());
}
