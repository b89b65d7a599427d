import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { ContractValidator, type OpenApiDocument } from "../contract-validator";
import { api, mintUserJwt, seedCatalog, walletStub } from "../helpers";
import { asUser, BANK, userWithConfirmed } from "../payout-helpers";
import { ApiFuzzPlanner, type FuzzContext } from "./api-fuzz";
import { FuzzRunner, type Sent } from "./fuzz-runner";

/**
 * The api fuzz inside the test runtime (the CI sample and `npm run fuzz`'s long run): the
 * document the api serves, two fuzz users with confirmed cash (the second owns a payout
 * destination, for "other users' ids"), requests sent to the api worker in-process, and the
 * ledgers read inside each wallet object.
 */

/** What a refused request must not change: per wallet, entries, chain head, buckets, points lots. */
export async function walletFingerprint(userId: string): Promise<string> {
  return runInDurableObject(walletStub(userId), (_instance, state) => {
    const sql = state.storage.sql;
    const entries = sql
      .exec(`SELECT COUNT(*) AS n, COALESCE(MAX(seq), 0) AS last FROM entries`)
      .one();
    const head = sql.exec(`SELECT value FROM meta WHERE key = 'chain_head'`).toArray()[0]?.value;
    const buckets = sql
      .exec(`SELECT bucket, currency, balance_minor FROM buckets ORDER BY bucket, currency`)
      .toArray()
      .map((r) => `${r.bucket}/${r.currency}=${r.balance_minor}`)
      .join(",");
    let lots = "";
    try {
      lots = JSON.stringify(
        sql.exec(`SELECT COUNT(*) AS n, COALESCE(SUM(remaining), 0) AS r FROM points_lots`).one(),
      );
    } catch {
      lots = "none";
    }
    return `${entries.n}@${entries.last}#${String(head ?? "")}|${buckets}|${lots}`;
  });
}

export async function apiFuzzRunner(blockSize: number): Promise<{
  runner: FuzzRunner;
  planner: ApiFuzzPlanner;
}> {
  const response = await api("/openapi.json");
  if (response.status !== 200) throw new Error(`GET /openapi.json → ${response.status}`);
  const doc = (await response.json()) as OpenApiDocument;
  const validator = new ContractValidator(doc);
  const planner = new ApiFuzzPlanner(doc);
  await seedCatalog();
  const userId = await userWithConfirmed("fuzz-a", 50_000);
  const otherUserId = await userWithConfirmed("fuzz-b", 50_000);
  // The other user's own resources, for "other users' ids".
  const destination = await asUser(otherUserId, "/v1/me/payout-destinations", {
    body: BANK,
    headers: { "idempotency-key": "fuzz-b-destination" },
  });
  const resourceIds: string[] = [];
  if (destination.status < 300) resourceIds.push(((await destination.json()) as { id: string }).id);
  const ctx: FuzzContext = {
    userId,
    otherUserId,
    otherUserResourceIds: resourceIds,
    userJwtSecret: env.USER_JWT_SECRET,
    adminKey: env.ADMIN_API_KEY ?? "",
    maxBodyBytes: Number(env.API_MAX_BODY_BYTES ?? 65536),
    nowSec: Math.floor(Date.now() / 1000),
    mintUserJwt: (id) => mintUserJwt(id),
  };
  const send = async (request: {
    url: string;
    method: string;
    headers: Record<string, string>;
    body: string | undefined;
  }): Promise<Sent> => {
    const answer = await api(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
    });
    const contentType = answer.headers.get("content-type");
    // Read every body (an unread body holds the request open), as text only when it is text.
    let text = "";
    if (contentType && !/json|text|xml|html/.test(contentType)) await answer.arrayBuffer();
    else text = await answer.text();
    return { status: answer.status, contentType, text };
  };
  const ledgers = async () =>
    `${await walletFingerprint(userId)} ## ${await walletFingerprint(otherUserId)}`;
  return {
    runner: new FuzzRunner({ planner, validator, ctx, send, ledgers, blockSize }),
    planner,
  };
}
