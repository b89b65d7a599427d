import { parseArgs } from "node:util";
import { signPostback } from "#shared/postback/signature";
import { DEMO_NETWORK_ID, DEMO_NETWORK_SECRET } from "./demo-data";

/**
 * `npm run -s postback -- --sub <subId> --order <orderId> [--sale 129900] [--commission 9000]
 *   [--status pending|approved|cancelled] [--category electronics] [--network demo-network]
 *   [--secret …] [--url http://localhost:8787] [--print]`
 *
 * Signs a generic-format postback the way a network must (see docs/postbacks.md) and sends
 * it, or with --print shows the curl command instead.
 */
const { values } = parseArgs({
  options: {
    sub: { type: "string" },
    order: { type: "string" },
    sale: { type: "string", default: "100000" },
    commission: { type: "string", default: "8000" },
    status: { type: "string", default: "pending" },
    category: { type: "string" },
    currency: { type: "string", default: "INR" },
    network: { type: "string", default: DEMO_NETWORK_ID },
    secret: { type: "string", default: DEMO_NETWORK_SECRET },
    url: { type: "string", default: "http://localhost:8787" },
    print: { type: "boolean", default: false },
  },
});
if (!values.sub || !values.order) {
  console.error(
    "usage: npm run -s postback -- --sub <subId> --order <orderId> [--status approved] …",
  );
  process.exit(2);
}
const body = JSON.stringify({
  order_id: values.order,
  sub_id: values.sub,
  status: values.status,
  currency: values.currency,
  sale_amount_minor: Number(values.sale),
  commission_minor: Number(values.commission),
  category: values.category ?? null,
  occurred_at: new Date().toISOString(),
});
const signature = await signPostback(
  values.secret,
  values.network,
  body,
  Math.floor(Date.now() / 1000),
);
const url = `${values.url}/postback/${values.network}`;
if (values.print) {
  console.log(
    `curl -sS -X POST '${url}' -H 'content-type: application/json' -H 'boomerang-signature: ${signature}' -d '${body}'`,
  );
} else {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "boomerang-signature": signature },
    body,
  });
  console.log(response.status, await response.text());
}
