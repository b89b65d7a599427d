import type { ApiEnv } from "#shared/env";
import type { PostbackMessage } from "#shared/messages";
import { fromGenericBody } from "#shared/networks/generic";
import { parseGenericPostback } from "#shared/postback/generic-format";
import { applyNormalizedConversion } from "../conversions/apply-conversion";

const RAW_BODY_KEEP_CHARS = 16 * 1024;
/**
 * A postback can overtake its click (the clicks queue may lag). Waits grow 10, 20, 40, then
 * 60 s: 20 attempts span more than the 15-minute grace, after which the wallet rejects it.
 */
function clickWaitDelaySec(attempts: number): number {
  return Math.min(60, 5 * 2 ** Math.max(1, Math.min(attempts, 4)));
}

/**
 * Postbacks consumer. First, every received postback (accepted or not) is written to D1 in
 * one batch, idempotent on the postback id: that is the audit trail. Then each accepted one
 * is normalised and handed to the user's wallet object, which decides and credits in one
 * transaction. Messages are acked one by one, so one bad message never replays the others.
 */
export async function consumePostbacks(
  batch: MessageBatch<PostbackMessage>,
  env: ApiEnv,
): Promise<void> {
  await recordReceived(
    env,
    batch.messages.map((m) => m.body),
  );

  const untrusted: D1PreparedStatement[] = [];
  const untrustedMessages: Message<PostbackMessage>[] = [];
  for (const message of batch.messages) {
    const body = message.body;
    if (body.verdict !== "accepted") {
      message.ack();
      continue;
    }
    try {
      const outcome = await processAccepted(env, body);
      if (outcome.kind === "untrusted") {
        untrusted.push(...outcome.statements);
        untrustedMessages.push(message);
      } else if (outcome.kind === "retry_later") {
        message.retry({ delaySeconds: clickWaitDelaySec(message.attempts) });
      } else {
        message.ack();
      }
    } catch (error) {
      console.error("postback processing failed", {
        postbackId: body.postbackId,
        error: String(error),
      });
      message.retry({ delaySeconds: Math.min(300, 5 * 2 ** Math.min(message.attempts, 6)) });
    }
  }
  if (untrusted.length > 0) {
    try {
      await env.DB.batch(untrusted);
      for (const m of untrustedMessages) m.ack();
    } catch (error) {
      console.error("recording untrusted postbacks failed", { error: String(error) });
      for (const m of untrustedMessages) m.retry({ delaySeconds: 30 });
    }
  }
}

type Processed =
  | { kind: "done" }
  | { kind: "retry_later" }
  | { kind: "untrusted"; statements: D1PreparedStatement[] };

async function processAccepted(env: ApiEnv, body: PostbackMessage): Promise<Processed> {
  let conversions = body.conversions;
  if (!conversions) {
    const parsed = parseGenericPostback(body.rawBody);
    if (!parsed.ok) return { kind: "done" }; // judged at intake; kept in received_postbacks
    conversions = [fromGenericBody(parsed.value)];
  }
  const statements: D1PreparedStatement[] = [];
  let waitForClick = false;
  for (const conversion of conversions) {
    const result = await applyNormalizedConversion(env, body.networkId, conversion, {
      sourceId: body.postbackId,
      source: "postback",
      receivedAtMs: body.receivedAtMs,
    });
    if (result.kind === "untrusted") statements.push(result.statement);
    else if (result.outcome === "retry_later") waitForClick = true;
  }
  // Every conversion of a postback is idempotent, so retrying the whole message is safe.
  if (waitForClick) return { kind: "retry_later" };
  return statements.length > 0 ? { kind: "untrusted", statements } : { kind: "done" };
}

async function recordReceived(env: ApiEnv, bodies: PostbackMessage[]): Promise<void> {
  if (bodies.length === 0) return;
  const statements = bodies.map((b) =>
    env.DB.prepare(
      `INSERT INTO received_postbacks (id, network_id, received_at_ms, verdict, reject_reason,
         order_id, raw_body, signature_header, source_ip)
       VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (id) DO NOTHING`,
    ).bind(
      b.postbackId,
      b.networkId.slice(0, 64),
      b.receivedAtMs,
      b.verdict,
      b.rejectReason,
      b.conversions?.[0]?.orderId.slice(0, 128) ?? orderIdOf(b.rawBody),
      b.rawBody.slice(0, RAW_BODY_KEEP_CHARS),
      b.signatureHeader?.slice(0, 512) ?? null,
      b.sourceIp,
    ),
  );
  await env.DB.batch(statements);
}

/** Best effort, for searching the audit log; never trusted for money. */
function orderIdOf(rawBody: string): string | null {
  try {
    const value = (JSON.parse(rawBody) as { order_id?: unknown }).order_id;
    return typeof value === "string" ? value.slice(0, 128) : null;
  } catch {
    return null;
  }
}
