import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { FINAL_PAYOUT_STATUSES, PAYOUT_STATUSES } from "#shared/payouts/types";
import { MS_PER_DAY } from "#shared/time/clock";
import type { ApiContext } from "../auth";
import { toIso } from "../http/common-schemas";
import { jsonBody, problemResponses } from "../http/responses";

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
  path: "/admin/v1/finance/summary",
  tags: ["finance (admin)"],
  security: [{ adminKey: [] }],
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

export function registerFinanceAdmin(app: OpenAPIHono<ApiContext>): void {
  app.openapi(summaryRoute, async (c) => {
    const { fromMs, toMs } = summaryRange(c.req.valid("query"), Date.now());
    const inFlightList = IN_FLIGHT_PAYOUT_STATUSES.map((_, i) => `?${i + 1}`).join(", ");
    const [liabilities, paid, inFlight] = await c.env.DB.batch<Record<string, unknown>>([
      c.env.DB.prepare(
        `SELECT currency, bucket, SUM(balance_minor) AS total_minor, COUNT(*) AS wallets
         FROM wallet_balances WHERE balance_minor != 0
         GROUP BY currency, bucket ORDER BY currency, bucket`,
      ),
      c.env.DB.prepare(
        `SELECT strftime('%Y-%m-%d', paid_at_ms / 1000, 'unixepoch') AS day, currency,
           COALESCE(SUM(amount_minor), 0) AS total_minor, COUNT(*) AS payouts
         FROM payouts WHERE paid_at_ms >= ?1 AND paid_at_ms < ?2 AND status = 'paid'
         GROUP BY day, currency ORDER BY day, currency`,
      ).bind(fromMs, toMs),
      c.env.DB.prepare(
        `SELECT status, currency, COALESCE(SUM(amount_minor), 0) AS total_minor,
           COUNT(*) AS payouts
         FROM payouts WHERE status IN (${inFlightList})
         GROUP BY status, currency ORDER BY status, currency`,
      ).bind(...IN_FLIGHT_PAYOUT_STATUSES),
    ]);
    return c.json(
      {
        from: toIso(fromMs),
        to: toIso(toMs),
        liabilities: (liabilities?.results ?? []).map((r) => ({
          currency: String(r.currency),
          bucket: String(r.bucket),
          totalMinor: Number(r.total_minor),
          wallets: Number(r.wallets),
        })),
        paidOutPerDay: (paid?.results ?? []).map((r) => ({
          day: String(r.day),
          currency: r.currency === null ? null : String(r.currency),
          totalMinor: Number(r.total_minor),
          payouts: Number(r.payouts),
        })),
        inFlight: (inFlight?.results ?? []).map((r) => ({
          status: r.status as (typeof PAYOUT_STATUSES)[number],
          currency: r.currency === null ? null : String(r.currency),
          totalMinor: Number(r.total_minor),
          payouts: Number(r.payouts),
        })),
      },
      200,
    );
  });
}
