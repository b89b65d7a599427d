import { createRoute, z } from "@hono/zod-openapi";
import { UserIdParamSchema } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { walletOf } from "../../wallet-client";
import { anchorsOf, anchorsWithStatus } from "../payouts/audit-anchors";
import { knownUser } from "./store";

/**
 * An operator's export of one wallet's ledger with its proofs (docs/ledger.md "Verifying a
 * wallet offline"): every entry as stored with its chain hash, the wallet's stored head, and the
 * last anchor the daily audit wrote (D1 wallet_chain_anchors; the same line is in the
 * LEDGER_ANCHORS bucket). `scripts/verify-ledger.ts` recomputes the chain from these pages
 * alone. Paged by seq: `afterSeq` of the next page is the response's `nextAfterSeq`.
 */

const HashSchema = z.string().regex(/^[0-9a-f]{64}$/);

const ExportEntrySchema = z
  .object({
    seq: z.number().int(),
    idempotencyKey: z.string(),
    postingKey: z.string(),
    bucket: z.string(),
    currency: z.string(),
    amountMinor: z.number().int(),
    balanceAfterMinor: z.number().int(),
    kind: z.string(),
    txnId: z.string().nullable(),
    memo: z.string().nullable(),
    createdAtMs: z.number().int(),
    ruleId: z.string().nullable(),
    ruleVersion: z.number().int().nullable(),
    hash: HashSchema.nullable().describe("null only while older entries are being sealed"),
  })
  .openapi("LedgerExportEntry");

const AnchorSchema = z
  .object({
    headSeq: z.number().int().describe("0: the genesis"),
    headHash: HashSchema,
    status: z.enum(["ok", "broken", "sealing"]),
    firstBadSeq: z.number().int().nullable(),
    runId: z.string(),
    verifiedAtMs: z.number().int(),
  })
  .openapi("LedgerChainAnchor");

const ChainListSchema = z
  .object({
    items: z.array(AnchorSchema.extend({ userId: z.string() })),
    nextAfterUserId: z.string().nullable().describe("afterUserId of the next page; null: last"),
  })
  .openapi("LedgerChainList");

const ExportSchema = z
  .object({
    userId: z.string(),
    chainVersion: z.literal("boomerang-ledger-v1"),
    head: z.object({ seq: z.number().int(), hash: HashSchema }).nullable(),
    sealing: z.boolean().describe("older entries are still being hashed"),
    anchor: AnchorSchema.nullable().describe("the daily audit's last anchor; null: none yet"),
    entries: z.array(ExportEntrySchema),
    nextAfterSeq: z.number().int().nullable().describe("afterSeq of the next page; null: last"),
  })
  .openapi("LedgerExport");

const exportRoute = createRoute({
  method: "get",
  path: "/users/{id}/ledger/export",
  operationId: "getLedgerExport",
  tags: ["users"],
  security: ADMIN_SECURITY,
  summary: "A wallet's ledger entries with their chain hashes, head and last anchor",
  description:
    "Entries oldest first after `afterSeq`, at most `limit` (≤ 5,000) per page. Verify offline " +
    "with `npx tsx scripts/verify-ledger.ts <page.json>…` (docs/ledger.md).",
  request: {
    params: UserIdParamSchema,
    query: z.object({
      afterSeq: z.coerce.number().int().min(0).default(0),
      limit: z.coerce.number().int().min(1).max(5_000).default(5_000),
    }),
  },
  responses: { 200: jsonBody(ExportSchema), ...problemResponses },
});

export const userLedgerExportAdminRoutes = featureApp().openapi(exportRoute, async (c) => {
  const { id } = c.req.valid("param");
  const { afterSeq, limit } = c.req.valid("query");
  await knownUser(c.env, id);
  const [page, anchors] = await Promise.all([
    walletOf(c.env, id).exportLedger(afterSeq, limit),
    anchorsOf(c.env, [id]),
  ]);
  const anchor = anchors.get(id);
  const last = page.entries.at(-1);
  return c.json(
    {
      userId: id,
      chainVersion: "boomerang-ledger-v1" as const,
      head: page.head,
      sealing: page.sealing,
      anchor: anchor
        ? {
            headSeq: anchor.headSeq,
            headHash: anchor.headHash,
            status: anchor.status,
            firstBadSeq: anchor.firstBadSeq,
            runId: anchor.runId,
            verifiedAtMs: anchor.verifiedAtMs,
          }
        : null,
      entries: page.entries.map((e) => ({
        seq: e.seq,
        idempotencyKey: e.idempotency_key,
        postingKey: e.posting_key,
        bucket: e.bucket,
        currency: e.currency,
        amountMinor: e.amount_minor,
        balanceAfterMinor: e.balance_after_minor,
        kind: e.kind,
        txnId: e.txn_id,
        memo: e.memo,
        createdAtMs: e.created_at_ms,
        ruleId: e.rule_id,
        ruleVersion: e.rule_version,
        hash: e.hash,
      })),
      nextAfterSeq: last && page.entries.length === limit ? last.seq : null,
    },
    200,
  );
});

const chainListRoute = createRoute({
  method: "get",
  path: "/ledger-chains",
  operationId: "listLedgerChains",
  tags: ["users"],
  security: ADMIN_SECURITY,
  summary: "Wallets by the daily audit's last verdict on their ledger chain",
  description:
    "The last anchor of each wallet with this `status` (`broken`: the chain did not verify, " +
    "`firstBadSeq` names the entry), by user id; page on with `afterUserId`.",
  request: {
    query: z.object({
      status: z.enum(["ok", "broken", "sealing"]).default("broken"),
      afterUserId: z.string().max(200).default(""),
      limit: z.coerce.number().int().min(1).max(200).default(50),
    }),
  },
  responses: { 200: jsonBody(ChainListSchema), ...problemResponses },
});

export const ledgerChainListAdminRoutes = featureApp().openapi(chainListRoute, async (c) => {
  const { status, afterUserId, limit } = c.req.valid("query");
  const rows = await anchorsWithStatus(c.env, status, afterUserId, limit);
  const last = rows.at(-1);
  return c.json(
    {
      items: rows.map((a) => ({
        userId: a.userId,
        headSeq: a.headSeq,
        headHash: a.headHash,
        status: a.status,
        firstBadSeq: a.firstBadSeq,
        runId: a.runId,
        verifiedAtMs: a.verifiedAtMs,
      })),
      nextAfterUserId: last && rows.length === limit ? last.userId : null,
    },
    200,
  );
});
