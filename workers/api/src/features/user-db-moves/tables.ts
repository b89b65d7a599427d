import type { TableName } from "#shared/db/placement";

/**
 * How each routed user table moves between user databases (docs/scaling.md "Re-sharding the
 * user databases"). A row's home is `shardOf(row[home], count)`; `key` is its primary key (the
 * keyset the job pages on). `newer` is the table's own rule for when a moved row may replace
 * the row already at its new home once that home is live (after the count is raised): the
 * same comparison its store's upsert makes (`"t"` names the row at home, `excluded` the moved
 * one), or null when the row at home is kept (insert-only tables, and tables with no version:
 * a row at a live home was written there after the count was raised, so it is the newer).
 * `merge` replaces the whole-row update by the store's own merge; `skipIf` leaves a moved row
 * out at a live home (SQL over `value`, the moved row as JSON), and before the count is raised
 * too when `skipBeforeFlip` (a constraint the key does not cover).
 */
export interface MovedTable {
  table: TableName;
  key: readonly string[];
  home: string;
  newer: string | null;
  merge?: string;
  skipIf?: string;
  skipBeforeFlip?: boolean;
  /**
   * The copy before the flip replaces the whole row instead of applying `newer`: `newer` does
   * not order every column (a profile edit changes no KYC time), or it is `merge`'s.
   */
  wholeRowMirror?: boolean;
}

const OPEN_DELIVERY_STATES = "('pending', 'deferred', 'failed')";

export const MOVED_TABLES: readonly MovedTable[] = [
  {
    table: "users",
    key: ["id"],
    home: "id",
    // The profile row has no version; the KYC decision carries its time.
    newer: `coalesce(excluded.kyc_updated_at_ms, -1) > coalesce("t".kyc_updated_at_ms, -1)`,
    wholeRowMirror: true,
  },
  { table: "transactions", key: ["id"], home: "user_id", newer: `excluded.version > "t".version` },
  {
    table: "wallet_balances",
    key: ["user_id", "bucket", "currency"],
    home: "user_id",
    newer: `excluded.ledger_seq > "t".ledger_seq`,
  },
  {
    table: "wallet_chain_anchors",
    key: ["user_id"],
    home: "user_id",
    newer: `excluded.verified_at_ms >= "t".verified_at_ms`,
  },
  { table: "loyalty_due", key: ["user_id"], home: "user_id", newer: `excluded.seq > "t".seq` },
  {
    table: "referrals",
    key: ["referral_id"],
    home: "referee_id",
    newer: `excluded.version > "t".version`,
  },
  { table: "referral_clicks", key: ["click_id"], home: "referrer_id", newer: null },
  {
    table: "claims",
    key: ["id"],
    home: "user_id",
    newer: `excluded.updated_at_ms >= "t".updated_at_ms`,
  },
  { table: "payouts", key: ["id"], home: "user_id", newer: `excluded.version > "t".version` },
  { table: "notification_outbox", key: ["delivery_id"], home: "user_id", newer: null },
  {
    table: "notification_deliveries",
    key: ["id"],
    home: "user_id",
    // The store moves a delivery on only from an open state; a later change is a later time.
    newer: `"t".state IN ${OPEN_DELIVERY_STATES} AND excluded.updated_at_ms > "t".updated_at_ms`,
  },
  {
    table: "notification_preferences",
    key: ["user_id"],
    home: "user_id",
    newer: `excluded.updated_at_ms > "t".updated_at_ms`,
  },
  {
    table: "notification_cap_claims",
    key: ["user_id", "category", "event_id"],
    home: "user_id",
    newer: null,
  },
  {
    table: "notification_digests",
    key: ["id"],
    home: "user_id",
    // A digest only grows and then closes.
    newer: `excluded.item_count >= "t".item_count AND coalesce(excluded.flushed_at_ms, 0) >= coalesce("t".flushed_at_ms, 0)`,
    // At most one open digest per user and type: an open one at home keeps the place.
    skipIf: `json_extract(value, '$.flushed_at_ms') IS NULL AND EXISTS (SELECT 1 FROM notification_digests d
      WHERE d.user_id = json_extract(value, '$.user_id') AND d.type = json_extract(value, '$.type')
        AND d.flushed_at_ms IS NULL AND d.id <> json_extract(value, '$.id'))`,
    skipBeforeFlip: true,
  },
  {
    table: "notification_digest_items",
    key: ["user_id", "type", "event_id"],
    home: "user_id",
    newer: null,
  },
  // Segments before their version rows: once a live home holds a member's version row, the
  // segments there are that version's, and older rows from the old home are left out.
  {
    table: "member_segments",
    key: ["segment", "user_id"],
    home: "user_id",
    newer: null,
    skipIf: `EXISTS (SELECT 1 FROM member_segment_versions v WHERE v.user_id = json_extract(value, '$.user_id'))`,
  },
  {
    table: "member_segment_versions",
    key: ["user_id"],
    home: "user_id",
    newer: `excluded.version > "t".version`,
  },
  {
    table: "risk_orders",
    key: ["order_ref"],
    home: "user_id",
    newer: "1",
    wholeRowMirror: true,
    // The store's own merge: what either side knows is kept.
    merge: `merchant_id = coalesce("t".merchant_id, excluded.merchant_id),
      category = coalesce("t".category, excluded.category),
      ordered_at_ms = min("t".ordered_at_ms, excluded.ordered_at_ms),
      returned_at_ms = coalesce("t".returned_at_ms, excluded.returned_at_ms)`,
  },
  {
    table: "risk_holds",
    key: ["user_id", "hold_id"],
    home: "user_id",
    newer: `excluded.version > "t".version`,
  },
];
