/**
 * One step of a promotional send's fan-out, on the NOTIFY_FANOUT queue: step n reads the next
 * page of the send's audience from D1 and puts one `promotion` event per opted-in member on
 * NOTIFY_PROMOTIONAL, then enqueues step n + 1. Only the message for the send's current step
 * proceeds (workers/api/src/features/promotions/fanout.ts).
 */
export interface PromoFanoutMessage {
  kind: "promo_step";
  sendId: string;
  step: number;
}

/** Members read per fan-out step. */
export const FANOUT_PAGE = 1_000;
/** Events per NOTIFY_PROMOTIONAL sendBatch call (the Queues limit is 100 messages). */
export const FANOUT_SEND_BATCH = 100;

/** Pure: a promotional event's id, so a member gets a send's message once whatever repeats. */
export function promoEventId(sendId: string, userId: string): string {
  return `${sendId}:${userId}`;
}
