/**
 * Prints a new VAPID key pair for Web Push (docs/notifications.md "Channels"):
 * `npx tsx scripts/generate-vapid-keys.ts`. The public key goes in wrangler.toml's
 * VAPID_PUBLIC_KEY; the private key only through `wrangler secret put VAPID_PRIVATE_KEY`.
 */
import { generateVapidKeys } from "#workers/api/src/features/notifications/channels/web-push-crypto";

const keys = await generateVapidKeys();
console.log(`VAPID_PUBLIC_KEY=${keys.publicKey}`);
console.log(`VAPID_PRIVATE_KEY=${keys.privateKey}`);
