-- npm run bench:pipeline: the Postgres build of seed 003 the postback pipeline is measured
-- against (bench/pipeline/pg-build.ts runs the postback transaction). Ledger + cached
-- balance, idempotent on (reference_id, reference_type), rows locked with FOR UPDATE.
CREATE TABLE networks (
  id text PRIMARY KEY,
  secret text NOT NULL
);
-- The click a sub-ID names (written by the click path; loaded before the run).
CREATE TABLE clicks (
  sub_id text PRIMARY KEY,
  user_id text NOT NULL,
  offer_id text NOT NULL,
  rate_bps integer NOT NULL
);
-- Every signed postback as received: the audit trail.
CREATE TABLE raw_postbacks (
  id bigserial PRIMARY KEY,
  network_id text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  signature text NOT NULL,
  body text NOT NULL
);
-- One row per (network, order): the newest status wins.
CREATE TABLE orders (
  network_id text NOT NULL,
  order_id text NOT NULL,
  user_id text NOT NULL,
  status text NOT NULL,
  currency text NOT NULL,
  sale_amount_minor bigint NOT NULL,
  commission_minor bigint NOT NULL,
  cashback_minor bigint NOT NULL,
  updated_at timestamptz NOT NULL,
  version integer NOT NULL,
  PRIMARY KEY (network_id, order_id)
);
CREATE TABLE members (
  user_id text PRIMARY KEY
);
CREATE TABLE point_transactions (
  id bigserial PRIMARY KEY,
  user_id text NOT NULL REFERENCES members (user_id),
  type text NOT NULL,
  amount bigint NOT NULL,
  currency text NOT NULL,
  reference_id text NOT NULL,
  reference_type text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (reference_id, reference_type)
);
CREATE TABLE point_balances (
  user_id text NOT NULL REFERENCES members (user_id),
  currency text NOT NULL,
  pending_minor bigint NOT NULL DEFAULT 0,
  available_minor bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, currency)
);
