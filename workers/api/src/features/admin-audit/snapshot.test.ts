import { describe, expect, test } from "vitest";
import {
  type AdminRoute,
  MAX_SNAPSHOT_CHARS,
  matchRoute,
  routeTableFrom,
  snapshotPathFor,
  storableSnapshot,
} from "./snapshot";

const ROUTES: AdminRoute[] = routeTableFrom([
  {
    type: "route",
    route: { method: "put", path: "/admin/v1/offers/{id}", operationId: "putOffer" },
  },
  {
    type: "route",
    route: { method: "get", path: "/admin/v1/offers/{id}", operationId: "getOffer" },
  },
  {
    type: "route",
    route: { method: "get", path: "/admin/v1/offers", operationId: "listAdminOffers" },
  },
  {
    type: "route",
    route: { method: "get", path: "/admin/v1/payouts/{id}", operationId: "getAdminPayout" },
  },
  {
    type: "route",
    route: { method: "post", path: "/admin/v1/payouts/{id}/approve", operationId: "approvePayout" },
  },
  {
    type: "route",
    route: {
      method: "get",
      path: "/admin/v1/payout-reconciliation/runs/{id}",
      operationId: "getRun",
    },
  },
  {
    type: "route",
    route: { method: "post", path: "/admin/v1/payout-reconciliation/run", operationId: "run" },
  },
  { type: "route", route: { method: "put", path: "/admin/v1/users/{id}", operationId: "putUser" } },
  { type: "schema", schema: {} },
]);

describe("matchRoute", () => {
  test.each([
    {
      label: "a template with a parameter",
      method: "GET",
      path: "/admin/v1/offers/o-1",
      op: "getOffer",
    },
    {
      label: "the list, not the item",
      method: "GET",
      path: "/admin/v1/offers",
      op: "listAdminOffers",
    },
    { label: "methods differ", method: "DELETE", path: "/admin/v1/offers/o-1", op: null },
    { label: "segment counts differ", method: "GET", path: "/admin/v1/offers/o-1/x", op: null },
    {
      label: "a literal beats a parameter",
      method: "POST",
      path: "/admin/v1/payout-reconciliation/run",
      op: "run",
    },
  ])("$label", ({ method, path, op }) => {
    expect(matchRoute(ROUTES, method, path)?.operationId ?? null).toBe(op);
  });
});

describe("snapshotPathFor", () => {
  test.each([
    {
      label: "an upsert reads itself",
      method: "PUT",
      path: "/admin/v1/offers/o-1",
      snap: "/admin/v1/offers/o-1",
    },
    {
      label: "an action reads its parent",
      method: "POST",
      path: "/admin/v1/payouts/po_1/approve",
      snap: "/admin/v1/payouts/po_1",
    },
    {
      label: "a run with no readable parent",
      method: "POST",
      path: "/admin/v1/payout-reconciliation/run",
      snap: null,
    },
    { label: "a PUT without a GET", method: "PUT", path: "/admin/v1/users/u1", snap: null },
  ])("$label", ({ method, path, snap }) => {
    expect(snapshotPathFor(ROUTES, method, path)).toBe(snap);
  });
});

describe("storableSnapshot", () => {
  test.each([
    {
      label: "secret strings are redacted, flags about them kept",
      text: JSON.stringify({ postbackSecret: "s3cret", postbackSecretSet: true, name: "Net" }),
      stored: { postbackSecret: "[redacted]", postbackSecretSet: true, name: "Net" },
    },
    {
      label: "nested and in arrays",
      text: JSON.stringify({
        options: { reportApiToken: "t", reportUrl: "https://r" },
        keys: [{ apiKey: "k" }],
      }),
      stored: {
        options: { reportApiToken: "[redacted]", reportUrl: "https://r" },
        keys: [{ apiKey: "[redacted]" }],
      },
    },
    { label: "not JSON", text: "<html>", stored: { unreadable: true } },
    {
      label: "over the bound",
      text: JSON.stringify({ blob: "x".repeat(MAX_SNAPSHOT_CHARS) }),
      stored: { truncated: true, chars: MAX_SNAPSHOT_CHARS + 11 },
    },
  ])("$label", ({ text, stored }) => {
    expect(storableSnapshot(text)).toEqual(stored);
  });
});
