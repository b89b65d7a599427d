import { runInDurableObject } from "cloudflare:test";
import type { NotificationEventMessage } from "#shared/notify/message";
import { uniqueUser, walletStub } from "./helpers";

interface QueueHolder {
  env: { NOTIFY_TRANSACTIONAL: Queue<NotificationEventMessage> };
}

/**
 * Records the notification events wallets send on NOTIFY_TRANSACTIONAL (and still forwards
 * them to the real queue). Wallets share their env object within the test isolate, so wrapping
 * the binding once, through any wallet, covers every wallet until `restore()`.
 */
export function notificationRecorder() {
  const sent: NotificationEventMessage[] = [];
  let restore: (() => void) | null = null;
  return {
    sent,
    // The router's digest flush messages (`digestId` set) travel the same binding in this
    // isolate; they are not the wallets' events, so they are left out.
    of: (userId: string) => sent.filter((m) => m.userId === userId && m.digestId === undefined),
    async install(): Promise<void> {
      await runInDurableObject(walletStub(uniqueUser("notify-recorder")), (instance) => {
        const holder = instance as unknown as QueueHolder;
        const real = holder.env.NOTIFY_TRANSACTIONAL;
        holder.env.NOTIFY_TRANSACTIONAL = {
          send: async (body: NotificationEventMessage) => {
            sent.push(body);
            await real.send(body);
          },
          sendBatch: async (batch: Iterable<MessageSendRequest<NotificationEventMessage>>) => {
            const list = [...batch];
            for (const m of list) sent.push(m.body);
            await real.sendBatch(list);
          },
        } as unknown as Queue<NotificationEventMessage>;
        restore = () => {
          holder.env.NOTIFY_TRANSACTIONAL = real;
        };
      });
    },
    restore(): void {
      restore?.();
    },
  };
}
