import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import pg from "pg";

/**
 * The Postgres build of seed 003's postback path that `npm run bench:pipeline` measures
 * Boomerang against: one Node process, node:http, a `pg` Pool over a unix socket
 * (bench/pipeline/postgres.ts), the tables in bench/pipeline/schema.sql.
 *
 * `POST /postback/:networkId` with the same signed generic-format body Boomerang's intake
 * takes: the HMAC (`boomerang-signature: t=…,v1=…` over `t.network.body`) and the timestamp
 * window are checked first (401 before any SQL), then in one transaction: the raw postback is
 * inserted, the click its sub-ID names is read, the order row is locked (`SELECT … FOR
 * UPDATE`; inserted when new) and replaced only by a newer update (newest wins), the change of
 * cashback goes into the ledger idempotently (`ON CONFLICT (reference_id, reference_type) DO
 * NOTHING`), and only when a ledger row was written is the balance row locked (`FOR UPDATE`)
 * and moved. Answers 200 after COMMIT: the credit is settled when the answer arrives.
 * Cashback: the sale amount × the click's rate (bps), rounded down, like the demo offer's
 * `basis: "sale"` terms.
 *
 * Run as a child of the bench: `PG_SOCKET`, `PG_PORT`, `PORT`, `POOL_SIZE`, `NETWORKS`
 * (JSON {id: secret}). Prints `listening` when ready.
 */
const TOLERANCE_SEC = 300;

const pool = new pg.Pool({
  host: process.env.PG_SOCKET,
  port: Number(process.env.PG_PORT),
  user: "postgres",
  database: "postgres",
  max: Number(process.env.POOL_SIZE ?? 8),
});
const secrets = new Map<string, string>(
  Object.entries(JSON.parse(process.env.NETWORKS ?? "{}") as Record<string, string>),
);

interface GenericBody {
  order_id: string;
  sub_id: string;
  status: string;
  currency: string;
  sale_amount_minor: number;
  commission_minor: number;
  occurred_at: string;
  updated_at?: string;
}

function verify(networkId: string, body: string, header: string | undefined): boolean {
  const secret = secrets.get(networkId);
  if (!secret || !header) return false;
  let t: string | undefined;
  const v1: string[] = [];
  for (const piece of header.split(",")) {
    const eq = piece.indexOf("=");
    if (eq <= 0) return false;
    const key = piece.slice(0, eq).trim();
    const value = piece.slice(eq + 1).trim();
    if (key === "t") t = value;
    else if (key === "v1") v1.push(value);
  }
  if (!t || !/^\d{1,12}$/.test(t) || v1.length === 0) return false;
  if (Math.abs(Date.now() / 1000 - Number(t)) > TOLERANCE_SEC) return false;
  const expected = Buffer.from(
    createHmac("sha256", secret).update(`${t}.${networkId}.${body}`).digest("hex"),
  );
  return v1.some((c) => {
    const candidate = Buffer.from(c);
    return candidate.length === expected.length && timingSafeEqual(candidate, expected);
  });
}

type Outcome = "created" | "updated" | "stale" | "unknown_click";

async function settle(networkId: string, signature: string, raw: string): Promise<Outcome> {
  const body = JSON.parse(raw) as GenericBody;
  const updatedAt = body.updated_at ?? body.occurred_at;
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query(
      "INSERT INTO raw_postbacks (network_id, signature, body) VALUES ($1, $2, $3)",
      [networkId, signature, raw],
    );
    const click = await client.query<{ user_id: string; rate_bps: number }>(
      "SELECT user_id, rate_bps FROM clicks WHERE sub_id = $1",
      [body.sub_id],
    );
    const owner = click.rows[0];
    if (!owner) {
      await client.query("COMMIT");
      return "unknown_click";
    }
    const cashback = Math.floor((body.sale_amount_minor * owner.rate_bps) / 10_000);
    const current = await client.query<{
      cashback_minor: string;
      updated_at: Date;
      version: number;
    }>(
      "SELECT cashback_minor, updated_at, version FROM orders WHERE network_id = $1 AND order_id = $2 FOR UPDATE",
      [networkId, body.order_id],
    );
    let delta: number;
    let version: number;
    let outcome: Outcome;
    const row = current.rows[0];
    if (!row) {
      const inserted = await client.query(
        `INSERT INTO orders (network_id, order_id, user_id, status, currency, sale_amount_minor,
           commission_minor, cashback_minor, updated_at, version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1) ON CONFLICT DO NOTHING`,
        [
          networkId,
          body.order_id,
          owner.user_id,
          body.status,
          body.currency,
          body.sale_amount_minor,
          body.commission_minor,
          cashback,
          updatedAt,
        ],
      );
      if (inserted.rowCount === 0) {
        // A concurrent first delivery of the same order won the insert: start over behind it.
        await client.query("ROLLBACK");
        return settle(networkId, signature, raw);
      }
      delta = cashback;
      version = 1;
      outcome = "created";
    } else {
      // Newest wins: an update no newer than the row changes nothing (a redelivery included).
      if (new Date(updatedAt).getTime() <= row.updated_at.getTime()) {
        await client.query("COMMIT");
        return "stale";
      }
      version = row.version + 1;
      delta = cashback - Number(row.cashback_minor);
      await client.query(
        `UPDATE orders SET status = $3, sale_amount_minor = $4, commission_minor = $5,
           cashback_minor = $6, updated_at = $7, version = $8
         WHERE network_id = $1 AND order_id = $2`,
        [
          networkId,
          body.order_id,
          body.status,
          body.sale_amount_minor,
          body.commission_minor,
          cashback,
          updatedAt,
          version,
        ],
      );
      outcome = "updated";
    }
    const ledger = await client.query(
      `INSERT INTO point_transactions (user_id, type, amount, currency, reference_id, reference_type)
       VALUES ($1, 'earn', $2, $3, $4, 'conversion') ON CONFLICT (reference_id, reference_type) DO NOTHING`,
      [owner.user_id, delta, body.currency, `${networkId}:${body.order_id}:${version}`],
    );
    if (ledger.rowCount === 1 && delta !== 0) {
      await client.query(
        "SELECT pending_minor FROM point_balances WHERE user_id = $1 AND currency = $2 FOR UPDATE",
        [owner.user_id, body.currency],
      );
      await client.query(
        "UPDATE point_balances SET pending_minor = pending_minor + $3 WHERE user_id = $1 AND currency = $2",
        [owner.user_id, body.currency, delta],
      );
    }
    await client.query("COMMIT");
    return outcome;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

const server = http.createServer((req, res) => {
  const match = /^\/postback\/([^/?]+)$/.exec(req.url ?? "");
  if (req.method !== "POST" || !match) {
    res.writeHead(404).end();
    return;
  }
  const networkId = decodeURIComponent(match[1] as string);
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const raw = Buffer.concat(chunks).toString("utf8");
    const signature = req.headers["boomerang-signature"];
    const header = Array.isArray(signature) ? signature[0] : signature;
    if (!verify(networkId, raw, header)) {
      res.writeHead(401, { "content-type": "application/problem+json" });
      res.end('{"title":"bad signature","status":401}');
      return;
    }
    settle(networkId, header as string, raw).then(
      (outcome) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(`{"outcome":"${outcome}"}`);
      },
      (error: unknown) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(String(error));
      },
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT), "127.0.0.1", () => console.log("listening"));
