import type { PostbackMessage } from "#shared/messages";
import { signPostback } from "#shared/postback/signature";
import { postbackBody } from "./helpers";

/**
 * A postbacks-queue message as intake sends it for an accepted generic-format postback of
 * `orderId` under `subId`: for tests that hand batches to the consumer directly. The consumer
 * does not re-check the signature (intake did), so it is signed with a placeholder secret.
 */
export async function acceptedPostbackMessage(
  networkId: string,
  postbackId: string,
  fields: { orderId: string; subId: string },
): Promise<PostbackMessage> {
  const rawBody = postbackBody({ order_id: fields.orderId, sub_id: fields.subId });
  return {
    kind: "postback",
    postbackId,
    networkId,
    receivedAtMs: Date.now(),
    verdict: "accepted",
    rejectReason: null,
    rawBody,
    signatureHeader: await signPostback("unused", networkId, rawBody, 0),
    sourceIp: null,
  };
}
