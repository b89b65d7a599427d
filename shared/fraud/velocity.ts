import {
  VELOCITY_KINDS,
  VELOCITY_WINDOWS,
  type VelocityKind,
  type VelocityWindow,
  velocityFact,
} from "./signals";

/**
 * Velocity: how many of each activity a user had over sliding windows (1 h, 24 h, 7 d) ending
 * at an instant (docs/fraud.md "Scoring"). The risk object counts its observation log in SQL
 * per kind and window (`windowStartsOf` gives the bounds); this assembles the counts and turns
 * them into the engine's `signal.*` facts. Pure.
 */

/** Counts per kind and window. */
export type Velocity = Record<VelocityKind, Record<VelocityWindow, number>>;

/** One row of the risk object's count: a kind (a login split by new device) and its windows. */
export interface VelocityCountRow {
  kind: string;
  newDevice: boolean;
  last1h: number;
  last24h: number;
  last7d: number;
}

/**
 * Each window's exclusive start for a count ending at `atMs` (inclusive): an observation at
 * `t` is in the window when `start < t ≤ atMs`.
 *
 * @example
 * windowStartsOf(10_000_000) // { "1h": 6_400_000, "24h": -76_400_000, "7d": -594_800_000 }
 */
export function windowStartsOf(atMs: number): Record<VelocityWindow, number> {
  const starts = {} as Record<VelocityWindow, number>;
  for (const window of VELOCITY_WINDOWS) starts[window.suffix] = atMs - window.ms;
  return starts;
}

/** Every count 0. */
export function emptyVelocity(): Velocity {
  const velocity = {} as Velocity;
  for (const kind of VELOCITY_KINDS) velocity[kind] = { "1h": 0, "24h": 0, "7d": 0 };
  return velocity;
}

/**
 * The counted rows as velocity: each row adds to its kind; a login from a new device also
 * counts as a `new_device_login`. Rows of kinds scoring does not know are left out.
 *
 * @example
 * velocityFromCounts([{ kind: "login", newDevice: true, last1h: 1, last24h: 1, last7d: 2 }])
 * // login and new_device_login: { "1h": 1, "24h": 1, "7d": 2 }, every other kind 0
 */
export function velocityFromCounts(rows: readonly VelocityCountRow[]): Velocity {
  const velocity = emptyVelocity();
  const add = (kind: VelocityKind, row: VelocityCountRow) => {
    const counts = velocity[kind];
    counts["1h"] += row.last1h;
    counts["24h"] += row.last24h;
    counts["7d"] += row.last7d;
  };
  for (const row of rows) {
    if (!(VELOCITY_KINDS as readonly string[]).includes(row.kind)) continue;
    add(row.kind as VelocityKind, row);
    if (row.kind === "login" && row.newDevice) add("new_device_login", row);
  }
  return velocity;
}

/**
 * Velocity as the engine's facts: `signal.clicks1h`, `signal.destinationChanges7d`, …
 *
 * @example
 * velocityFacts(emptyVelocity())["signal.newDeviceLogins24h"] // 0
 */
export function velocityFacts(velocity: Velocity): Record<string, number> {
  const facts: Record<string, number> = {};
  for (const kind of VELOCITY_KINDS) {
    for (const window of VELOCITY_WINDOWS) {
      facts[velocityFact(kind, window.suffix)] = velocity[kind][window.suffix];
    }
  }
  return facts;
}

/**
 * Velocity counted from the log, with what the observation's producer knows of the newest of
 * some kinds (`at`: epoch ms by kind; behaviour-signals.ts `KnownActivity`) that the log may not
 * have yet: a window that holds such a time counts at least 1 (not one more: the log may have
 * that very row already). A new-device sign-in is a sign-in too. Times after `atMs` or outside
 * a window change nothing.
 *
 * @example
 * velocityWithKnown(emptyVelocity(), 600_000, { profile_changed: 0 }).profile_changed
 * // { "1h": 1, "24h": 1, "7d": 1 }
 */
export function velocityWithKnown(
  velocity: Velocity,
  atMs: number,
  at: Readonly<Partial<Record<VelocityKind, number>>>,
): Velocity {
  const entries = Object.entries(at) as Array<[VelocityKind, number | undefined]>;
  if (entries.length === 0) return velocity;
  const out = {} as Velocity;
  for (const kind of VELOCITY_KINDS) out[kind] = { ...velocity[kind] };
  const starts = windowStartsOf(atMs);
  const floor = (kind: VelocityKind, t: number) => {
    for (const window of VELOCITY_WINDOWS) {
      if (t > starts[window.suffix] && t <= atMs) {
        out[kind][window.suffix] = Math.max(out[kind][window.suffix], 1);
      }
    }
  };
  for (const [kind, t] of entries) {
    if (
      t === undefined ||
      !Number.isFinite(t) ||
      !(VELOCITY_KINDS as readonly string[]).includes(kind)
    )
      continue;
    floor(kind, t);
    if (kind === "new_device_login") floor("login", t);
  }
  return out;
}
