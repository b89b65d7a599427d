import type { KnownActivity } from "#shared/fraud/behaviour-signals";
import type { Observation } from "#shared/fraud/risk-contract";

/**
 * What the wallet knows of the user's recent activity (wallet schema step 30; docs/fraud.md
 * "Behaviour signals"). Sign-ins and destination changes reach the risk object through the
 * outbox and the risk queue, seconds later; a redemption is assessed at once. So the wallet
 * notes, in the transaction that reports each, the devices users sign in from and the newest
 * destination and profile change, and puts the newest of each on the redemption's observation.
 */

/**
 * Notes what an observation the wallet reports says: a sign-in's device (keyed hash; the first
 * time it was seen is kept, however the events arrive), a profile change's time. Other kinds
 * note nothing.
 */
export function noteReported(sql: SqlStorage, observation: Observation): void {
  if (observation.kind === "login") {
    const device = observation.identifiers?.device;
    if (device !== undefined) {
      sql.exec(
        `INSERT INTO sign_in_devices (device_hash, first_seen_ms) VALUES (?, ?)
         ON CONFLICT (device_hash) DO UPDATE SET
           first_seen_ms = MIN(first_seen_ms, excluded.first_seen_ms)`,
        device,
        observation.atMs,
      );
    }
  } else if (observation.kind === "profile_changed" || observation.kind === "destination_changed") {
    sql.exec(
      `INSERT INTO known_activity (kind, last_at_ms) VALUES (?, ?)
       ON CONFLICT (kind) DO UPDATE SET last_at_ms = MAX(last_at_ms, excluded.last_at_ms)`,
      observation.kind,
      observation.atMs,
    );
  }
}

/**
 * The newest of each activity the wallet knows of: a sign-in from a device first seen after
 * the user's first device (as the risk object judges a new device: the first is never new),
 * a destination added or changed, a password, e-mail or phone change. Two indexed reads.
 */
export function knownActivity(sql: SqlStorage): KnownActivity {
  const known: KnownActivity = {};
  const newDevice = sql
    .exec<{ at: number | null }>(
      `SELECT MAX(first_seen_ms) AS at FROM sign_in_devices
       WHERE first_seen_ms > (SELECT MIN(first_seen_ms) FROM sign_in_devices)`,
    )
    .one().at;
  if (newDevice !== null) known.new_device_login = newDevice;
  for (const row of sql
    .exec<{ kind: string; last_at_ms: number }>(`SELECT kind, last_at_ms FROM known_activity`)
    .toArray()) {
    if (row.kind === "destination_changed" || row.kind === "profile_changed") {
      known[row.kind] = row.last_at_ms;
    }
  }
  return known;
}
