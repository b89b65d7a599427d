import { createRoute, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { FINAL_PAYOUT_STATUSES, PAYOUT_STATUSES } from "#shared/payouts/types";
import { MS_PER_DAY } from "#shared/time/clock";
import { toIso } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import { walletLiabilities } from "../ledger/index";
import { paidPerDay, totalsByStatus } from "./store";

const DEFAULT_RANGE_DAYS = 30;
const MAX_RANGE_DAYS = 366;

/** Payout statuses in which money is reserved and not yet settled either way. */
const IN_FLIGHT_PAYOUT_STATUSES = PAYOUT_STATUSES.filter((s) => !FINAL_PAYOUT_STATUSES.has(s));

const NullableCurrency = z
  .string()
  .nullable()
  .describe("null only for a payout whose details have not reached D1 yet");

const SummarySchema = z
  .object({
    from: z.string(),
    to: z.string(),
    liabilities: z
      .array(
        z.object({
          currency: z.string(),
          bucket: z.string(),
          totalMinor: z.number().int(),
          wallets: z.number().int().describe("wallets with a non-zero balance in the bucket"),
        }),
      )
      .describe("what wallets hold now, per currency and bucket (from the D1 projection)"),
    paidOutPerDay: z
      .array(
        z.object({
          day: z.string().describe("UTC day, YYYY-MM-DD"),
          currency: NullableCurrency,
          totalMinor: z.number().int(),
          payouts: z.number().int(),
        }),
      )
      .describe("payouts that reached `paid` within [from, to), per UTC day"),
    inFlight: z
      .array(
        z.object({
          status: z.enum(PAYOUT_STATUSES),
          currency: NullableCurrency,
          totalMinor: z.number().int(),
          payouts: z.number().int(),
        }),
      )
      .describe("payouts not yet paid, failed or cancelled, now"),
  })
  .openapi("FinanceSummary");

const summaryRoute = createRoute({
  method: "get",
  path: "/finance/summary",
  operationId: "getFinanceSummary",
  tags: ["payouts"],
  security: ADMIN_SECURITY,
  summary: "Liabilities to users, payouts paid per day and payouts in flight",
  description:
    `The range bounds paidOutPerDay only; it defaults to the ${DEFAULT_RANGE_DAYS} days up to ` +
    `now and spans at most ${MAX_RANGE_DAYS} days. Liabilities and inFlight are as of now.`,
  request: {
    query: z.object({
      from: z.iso.datetime({ offset: true }).optional(),
      to: z.iso.datetime({ offset: true }).optional(),
    }),
  },
  responses: { 200: jsonBody(SummarySchema), ...problemResponses },
});

/** Resolves the [from, to) range, or throws the 400 that names what is wrong. */
function summaryRange(
  query: { from?: string; to?: string },
  nowMs: number,
): { fromMs: number; toMs: number } {
  const toMs = query.to ? Date.parse(query.to) : nowMs;
  const fromMs = query.from ? Date.parse(query.from) : toMs - DEFAULT_RANGE_DAYS * MS_PER_DAY;
  if (fromMs >= toMs) {
    throw new AppError("validation_failed", "from must be before to", [
      { path: "from", message: "must be before to" },
    ]);
  }
  if (toMs - fromMs > MAX_RANGE_DAYS * MS_PER_DAY) {
    throw new AppError("validation_failed", `the range spans at most ${MAX_RANGE_DAYS} days`, [
      { path: "from", message: `at most ${MAX_RANGE_DAYS} days before to` },
    ]);
  }
  return { fromMs, toMs };
}

/** The finance summary; mounted under `/admin/v1`. */
export const financeAdminRoutes = featureApp().openapi(summaryRoute, async (c) => {
  const { fromMs, toMs } = summaryRange(c.req.valid("query"), Date.now());
  const [liabilities, paid, inFlight] = await Promise.all([
    walletLiabilities(c.env),
    paidPerDay(c.env, fromMs, toMs),
    totalsByStatus(c.env, IN_FLIGHT_PAYOUT_STATUSES),
  ]);
  return c.json(
    {
      from: toIso(fromMs),
      to: toIso(toMs),
      liabilities: liabilities.map((r) => ({
        currency: r.currency,
        bucket: r.bucket,
        totalMinor: r.totalMinor,
        wallets: r.wallets,
      })),
      paidOutPerDay: paid.map((r) => ({
        day: String(r.day),
        currency: r.currency,
        totalMinor: r.totalMinor,
        payouts: r.payouts,
      })),
      inFlight: inFlight.map((r) => ({
        status: r.status as (typeof PAYOUT_STATUSES)[number],
        currency: r.currency,
        totalMinor: r.totalMinor,
        payouts: r.payouts,
      })),
    },
    200,
  );
});
