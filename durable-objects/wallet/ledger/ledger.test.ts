import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, test } from "vitest";
import {
  applyPosting,
  auditLedger,
  lastLedgerSeq,
  POSTING_ENTRIES_SQL,
  readBalance,
  readBalances,
} from "./ledger-store";
import {
  BUCKETS,
  type Bucket,
  type Leg,
  type Posting,
  type PostingResult,
  validatePosting,
} from "./posting";

const NOW_MS = 1_760_000_000_000;

/** Runs `fn` inside a fresh wallet object, whose constructor has already applied the schema. */
function inFreshWallet<R>(fn: (storage: DurableObjectStorage) => R): Promise<R> {
  const stub = env.WALLET.get(env.WALLET.newUniqueId());
  return runInDurableObject(stub, (_instance, state) => fn(state.storage));
}

/** Applies a posting the way the wallet object does: inside one synchronous transaction. */
function post(storage: DurableObjectStorage, posting: Posting): PostingResult {
  return storage.transactionSync(() => applyPosting(storage.sql, posting, NOW_MS));
}

function credit(key: string, bucket: Bucket, amountMinor: number, currency = "INR"): Posting {
  return { key, kind: "test_credit", txnId: null, legs: [{ bucket, currency, amountMinor }] };
}

function transfer(key: string, from: Bucket, to: Bucket, amountMinor: number): Posting {
  return {
    key,
    kind: "test_transfer",
    txnId: "txn_1",
    legs: [
      { bucket: from, currency: "INR", amountMinor: -amountMinor },
      { bucket: to, currency: "INR", amountMinor },
    ],
  };
}

/**
 * `n` legs of 100 on distinct bucket/currency pairs: every bucket in INR, then USD, then EUR.
 * A posting allows one leg per bucket and currency, so this is how to build a large one.
 */
function distinctLegs(n: number): Leg[] {
  const pairs = ["INR", "USD", "EUR"].flatMap((currency) =>
    BUCKETS.map((bucket) => ({ bucket, currency })),
  );
  if (n > pairs.length) throw new Error(`only ${pairs.length} distinct bucket/currency pairs`);
  return pairs.slice(0, n).map((pair) => ({ ...pair, amountMinor: 100 }));
}

// A type alias, not an interface: sql.exec's row type needs an implicit index signature.
type EntryRow = {
  seq: number;
  idempotency_key: string;
  posting_key: string;
  bucket: string;
  currency: string;
  amount_minor: number;
  balance_after_minor: number;
  kind: string;
  txn_id: string | null;
};

function entries(storage: DurableObjectStorage): EntryRow[] {
  return storage.sql
    .exec<EntryRow>(
      `SELECT seq, idempotency_key, posting_key, bucket, currency, amount_minor,
         balance_after_minor, kind, txn_id FROM entries ORDER BY seq`,
    )
    .toArray();
}

describe("applyPosting", () => {
  test("created: one entry, bucket balance, lastSeq", async () => {
    await inFreshWallet((storage) => {
      expect(post(storage, credit("p1", "pending", 4_995))).toEqual({
        status: "created",
        lastSeq: 1,
      });
      expect(entries(storage)).toEqual([
        {
          seq: 1,
          idempotency_key: "p1#0",
          posting_key: "p1",
          bucket: "pending",
          currency: "INR",
          amount_minor: 4_995,
          balance_after_minor: 4_995,
          kind: "test_credit",
          txn_id: null,
        },
      ]);
      expect(readBalance(storage.sql, "pending", "INR")).toBe(4_995);
      expect(lastLedgerSeq(storage.sql)).toBe(1);
    });
  });

  test("same key, same legs → exists, nothing new written", async () => {
    await inFreshWallet((storage) => {
      post(storage, credit("p1", "pending", 4_995));
      post(storage, credit("p2", "pending", 100));
      expect(post(storage, credit("p1", "pending", 4_995))).toEqual({
        status: "exists",
        lastSeq: 1,
      });
      expect(entries(storage)).toHaveLength(2);
      expect(readBalance(storage.sql, "pending", "INR")).toBe(5_095);
    });
  });

  test("same key, same multi-leg posting → exists with the posting's last seq", async () => {
    await inFreshWallet((storage) => {
      post(storage, credit("c1", "pending", 1_000));
      expect(post(storage, transfer("t1", "pending", "confirmed", 600)).status).toBe("created");
      expect(post(storage, transfer("t1", "pending", "confirmed", 600))).toEqual({
        status: "exists",
        lastSeq: 3,
      });
      expect(entries(storage)).toHaveLength(3);
    });
  });

  test("keys sharing a prefix up to '#' are apart: each finds only its own entries", async () => {
    await inFreshWallet((storage) => {
      // `k`'s entries are k#0 and k#1; `k#1`'s is k#1#0, inside `k`'s key range.
      post(storage, credit("c1", "pending", 1_000));
      expect(post(storage, transfer("k", "pending", "confirmed", 600)).status).toBe("created");
      expect(post(storage, credit("k#1", "confirmed", 7))).toEqual({
        status: "created",
        lastSeq: 4,
      });
      expect(post(storage, transfer("k", "pending", "confirmed", 600))).toEqual({
        status: "exists",
        lastSeq: 3,
      });
      expect(post(storage, credit("k#1", "confirmed", 7))).toEqual({
        status: "exists",
        lastSeq: 4,
      });
      expect(post(storage, credit("k#", "confirmed", 7)).status).toBe("created");
      expect(post(storage, credit("k#1", "confirmed", 8)).status).toBe(
        "exists_with_different_amount",
      );
      expect(entries(storage)).toHaveLength(5);
    });
  });

  test("the idempotency check reads the UNIQUE idempotency_key index; entries keep no posting_key index", async () => {
    await inFreshWallet((storage) => {
      const indexes = storage.sql
        .exec<{ name: string }>(
          `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entries' ORDER BY name`,
        )
        .toArray()
        .map((r) => r.name);
      // One index write per entry fewer than before (wallet schema step 33).
      expect(indexes).not.toContain("entries_posting_idx");
      expect(indexes).toContain("sqlite_autoindex_entries_1");
      const plan = storage.sql
        .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${POSTING_ENTRIES_SQL}`, "k#", "k$", "k")
        .toArray()
        .map((r) => r.detail)
        .join("; ");
      expect(plan).toContain(
        "USING INDEX sqlite_autoindex_entries_1 (idempotency_key>? AND idempotency_key<?)",
      );
    });
  });

  test.each<{ label: string; legs: Leg[] }>([
    {
      label: "different amount",
      legs: [{ bucket: "pending", currency: "INR", amountMinor: 4_996 }],
    },
    {
      label: "different bucket",
      legs: [{ bucket: "confirmed", currency: "INR", amountMinor: 4_995 }],
    },
    {
      label: "different currency",
      legs: [{ bucket: "pending", currency: "USD", amountMinor: 4_995 }],
    },
    {
      // The stored leg matches the first one; only the leg count differs.
      label: "an extra leg",
      legs: [
        { bucket: "pending", currency: "INR", amountMinor: 4_995 },
        { bucket: "confirmed", currency: "INR", amountMinor: 1 },
      ],
    },
    {
      label: "an extra leg in another currency",
      legs: [
        { bucket: "pending", currency: "INR", amountMinor: 4_995 },
        { bucket: "pending", currency: "USD", amountMinor: 1 },
      ],
    },
  ])("same key, $label → exists_with_different_amount, nothing written", async ({ legs }) => {
    await inFreshWallet((storage) => {
      post(storage, credit("p1", "pending", 4_995));
      expect(post(storage, { key: "p1", kind: "test_credit", txnId: null, legs })).toEqual({
        status: "exists_with_different_amount",
        lastSeq: 1,
      });
      expect(entries(storage)).toHaveLength(1);
      expect(readBalances(storage.sql)).toEqual([
        { bucket: "pending", currency: "INR", balanceMinor: 4_995 },
      ]);
    });
  });

  test.each<{ label: string; posting: Posting }>([
    { label: "debit of an empty bucket", posting: credit("d1", "confirmed", -1) },
    { label: "debit 1 more than the balance", posting: credit("d1", "pending", -1_001) },
    { label: "debit in another currency", posting: credit("d1", "pending", -1, "USD") },
    {
      label: "transfer larger than its source",
      posting: transfer("d1", "pending", "confirmed", 1_001),
    },
    {
      // The first two legs would fit; only the last one overdraws, so none may be written.
      label: "legs that fit, then a debit of another bucket that overdraws",
      posting: {
        key: "d1",
        kind: "test",
        txnId: null,
        legs: [
          { bucket: "pending", currency: "INR", amountMinor: -600 },
          { bucket: "confirmed", currency: "INR", amountMinor: 1_200 },
          { bucket: "reserved", currency: "INR", amountMinor: -1 },
        ],
      },
    },
    {
      // The same bucket in another currency is another balance: INR funds don't cover USD.
      label: "legs that fit, then a debit of the same bucket in another currency",
      posting: {
        key: "d1",
        kind: "test",
        txnId: null,
        legs: [
          { bucket: "pending", currency: "INR", amountMinor: -1_000 },
          { bucket: "confirmed", currency: "INR", amountMinor: 1_000 },
          { bucket: "pending", currency: "USD", amountMinor: -1 },
        ],
      },
    },
  ])("$label → insufficient_funds, nothing written", async ({ posting }) => {
    await inFreshWallet((storage) => {
      post(storage, credit("c1", "pending", 1_000));
      expect(post(storage, posting)).toEqual({ status: "insufficient_funds", lastSeq: null });
      expect(entries(storage)).toHaveLength(1);
      expect(readBalances(storage.sql)).toEqual([
        { bucket: "pending", currency: "INR", balanceMinor: 1_000 },
      ]);
    });
  });

  test("a debit to exactly zero is allowed", async () => {
    await inFreshWallet((storage) => {
      post(storage, credit("c1", "pending", 1_000));
      expect(post(storage, credit("d1", "pending", -1_000)).status).toBe("created");
      expect(readBalance(storage.sql, "pending", "INR")).toBe(0);
      expect(auditLedger(storage.sql)).toEqual({ ok: true, violations: [] });
    });
  });

  test("multi-leg transfer pending → confirmed", async () => {
    await inFreshWallet((storage) => {
      post(storage, credit("c1", "pending", 4_995));
      expect(post(storage, transfer("t1", "pending", "confirmed", 4_995))).toEqual({
        status: "created",
        lastSeq: 3,
      });
      expect(readBalances(storage.sql)).toEqual([
        { bucket: "confirmed", currency: "INR", balanceMinor: 4_995 },
        { bucket: "pending", currency: "INR", balanceMinor: 0 },
      ]);
      expect(entries(storage).slice(1)).toMatchObject([
        { idempotency_key: "t1#0", posting_key: "t1", bucket: "pending", amount_minor: -4_995 },
        { idempotency_key: "t1#1", posting_key: "t1", bucket: "confirmed", amount_minor: 4_995 },
      ]);
      expect(
        entries(storage)
          .slice(1)
          .map((e) => e.txn_id),
      ).toEqual(["txn_1", "txn_1"]);
      expect(auditLedger(storage.sql)).toEqual({ ok: true, violations: [] });
    });
  });

  test("balance_after chains per bucket and currency, including one bucket in two currencies in one posting", async () => {
    await inFreshWallet((storage) => {
      post(storage, credit("a", "pending", 1_000));
      post(storage, credit("b", "pending", 500, "USD"));
      expect(
        post(storage, {
          key: "c",
          kind: "test",
          txnId: null,
          legs: [
            { bucket: "pending", currency: "INR", amountMinor: 100 },
            { bucket: "pending", currency: "USD", amountMinor: 50 },
          ],
        }).status,
      ).toBe("created");
      post(storage, transfer("d", "pending", "confirmed", 300));
      post(storage, credit("e", "confirmed", -200));
      expect(
        entries(storage).map((e) => [e.bucket, e.currency, e.amount_minor, e.balance_after_minor]),
      ).toEqual([
        ["pending", "INR", 1_000, 1_000],
        ["pending", "USD", 500, 500],
        ["pending", "INR", 100, 1_100],
        ["pending", "USD", 50, 550],
        ["pending", "INR", -300, 800],
        ["confirmed", "INR", 300, 300],
        ["confirmed", "INR", -200, 100],
      ]);
      // Every bucket's latest balance_after is its real balance.
      for (const b of readBalances(storage.sql)) {
        const last = entries(storage).findLast(
          (e) => e.bucket === b.bucket && e.currency === b.currency,
        );
        expect(last?.balance_after_minor, `${b.bucket}/${b.currency}`).toBe(b.balanceMinor);
      }
      expect(auditLedger(storage.sql)).toEqual({ ok: true, violations: [] });
    });
  });
});

describe("invalid postings", () => {
  const leg: Leg = { bucket: "pending", currency: "INR", amountMinor: 100 };
  const AMOUNT = "leg amounts are non-zero safe integers";
  // `reason` pins which rule rejects each row, so one rule cannot mask another.
  test.each<{ label: string; posting: Posting; reason: string }>([
    {
      label: "no legs",
      posting: { key: "k", kind: "t", txnId: null, legs: [] },
      reason: "a posting has 1..8 legs",
    },
    {
      label: "nine distinct legs",
      posting: { key: "k", kind: "t", txnId: null, legs: distinctLegs(9) },
      reason: "a posting has 1..8 legs",
    },
    {
      label: "empty key",
      posting: { key: "", kind: "t", txnId: null, legs: [leg] },
      reason: "posting key must be 1..200 chars",
    },
    {
      label: "key of 201 chars",
      posting: { key: "k".repeat(201), kind: "t", txnId: null, legs: [leg] },
      reason: "posting key must be 1..200 chars",
    },
    { label: "zero amount", posting: credit("k", "pending", 0), reason: AMOUNT },
    { label: "fractional amount", posting: credit("k", "pending", 1.5), reason: AMOUNT },
    { label: "NaN amount", posting: credit("k", "pending", Number.NaN), reason: AMOUNT },
    { label: "unsafe amount", posting: credit("k", "pending", 2 ** 53), reason: AMOUNT },
    {
      label: "unknown bucket",
      posting: credit("k", "wallet" as Bucket, 100),
      reason: "unknown bucket wallet",
    },
    {
      label: "lower-case currency",
      posting: credit("k", "pending", 100, "inr"),
      reason: "bad currency inr",
    },
    {
      label: "four-letter currency",
      posting: credit("k", "pending", 100, "INRR"),
      reason: "bad currency INRR",
    },
    { label: "empty currency", posting: credit("k", "pending", 100, ""), reason: "bad currency " },
    {
      label: "one bad leg among good ones",
      posting: {
        key: "k",
        kind: "t",
        txnId: null,
        legs: [
          leg,
          { ...leg, bucket: "confirmed", amountMinor: 0 },
          { ...leg, bucket: "reserved" },
        ],
      },
      reason: AMOUNT,
    },
    {
      // Two credits that would otherwise both be created.
      label: "two legs on one bucket and currency",
      posting: { key: "k", kind: "t", txnId: null, legs: [leg, { ...leg, amountMinor: 50 }] },
      reason: "two legs on pending/INR",
    },
    {
      label: "two legs on one bucket and currency, not adjacent",
      posting: {
        key: "k",
        kind: "t",
        txnId: null,
        legs: [
          { bucket: "confirmed", currency: "USD", amountMinor: 100 },
          { bucket: "confirmed", currency: "INR", amountMinor: 100 },
          { bucket: "pending", currency: "USD", amountMinor: 100 },
          { bucket: "confirmed", currency: "USD", amountMinor: -100 },
        ],
      },
      reason: "two legs on confirmed/USD",
    },
  ])("$label → invalid, nothing written", async ({ posting, reason }) => {
    expect(validatePosting(posting)).toBe(reason);
    await inFreshWallet((storage) => {
      expect(post(storage, posting)).toEqual({ status: "invalid", lastSeq: null });
      expect(entries(storage)).toEqual([]);
      expect(readBalances(storage.sql)).toEqual([]);
    });
  });

  test("a duplicate bucket+currency is invalid even with funds, and writes nothing", async () => {
    await inFreshWallet((storage) => {
      post(storage, credit("c1", "pending", 1_000));
      const posting: Posting = {
        key: "d1",
        kind: "t",
        txnId: null,
        legs: [
          { bucket: "pending", currency: "INR", amountMinor: -600 },
          { bucket: "confirmed", currency: "INR", amountMinor: 1_200 },
          { bucket: "pending", currency: "INR", amountMinor: -600 },
        ],
      };
      expect(post(storage, posting)).toEqual({ status: "invalid", lastSeq: null });
      expect(entries(storage)).toHaveLength(1);
      expect(readBalances(storage.sql)).toEqual([
        { bucket: "pending", currency: "INR", balanceMinor: 1_000 },
      ]);
    });
  });

  test("the same bucket in two currencies is two balances, so one posting may hold both", async () => {
    const posting: Posting = {
      key: "k",
      kind: "t",
      txnId: null,
      legs: [
        { bucket: "pending", currency: "INR", amountMinor: 100 },
        { bucket: "pending", currency: "USD", amountMinor: 50 },
      ],
    };
    expect(validatePosting(posting)).toBeNull();
    await inFreshWallet((storage) => {
      expect(post(storage, posting)).toEqual({ status: "created", lastSeq: 2 });
      expect(readBalances(storage.sql)).toEqual([
        { bucket: "pending", currency: "INR", balanceMinor: 100 },
        { bucket: "pending", currency: "USD", balanceMinor: 50 },
      ]);
    });
  });

  test("eight distinct legs and a 200-char key are within bounds", async () => {
    const legs = distinctLegs(8);
    const posting: Posting = { key: "k".repeat(200), kind: "t", txnId: null, legs };
    // Six buckets in INR, then two in USD: the same bucket in two currencies is allowed.
    expect(new Set(legs.map((l) => `${l.bucket}/${l.currency}`)).size).toBe(8);
    expect(new Set(legs.map((l) => l.currency))).toEqual(new Set(["INR", "USD"]));
    expect(validatePosting(posting)).toBeNull();
    await inFreshWallet((storage) => {
      expect(post(storage, posting)).toEqual({ status: "created", lastSeq: 8 });
      const balances = readBalances(storage.sql);
      expect(balances).toHaveLength(8);
      expect(balances.every((b) => b.balanceMinor === 100)).toBe(true);
      expect(entries(storage).map((e) => e.balance_after_minor)).toEqual(Array(8).fill(100));
      expect(auditLedger(storage.sql)).toEqual({ ok: true, violations: [] });
    });
  });
});

/** mulberry32: a tiny seeded PRNG, so a failing sequence can be replayed exactly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe("auditLedger", () => {
  test.each([{ seed: 1 }, { seed: 42 }, { seed: 20_260_426 }])(
    "200 random postings (seed $seed) match an independent oracle",
    async ({ seed }) => {
      const random = prng(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
      const buckets: Bucket[] = ["pending", "confirmed", "referral_bonus", "debt"];
      const currencies = ["INR", "USD"];

      const oracle = new Map<string, number>();
      const created: Posting[] = [];
      const seen = { created: 0, exists: 0, insufficient_funds: 0 };
      let createdMultiLeg = 0;

      await inFreshWallet((storage) => {
        for (let i = 0; i < 200; i++) {
          const roll = random();
          let posting: Posting;
          if (roll < 0.1 && created.length > 0) {
            posting = pick(created); // a redelivery
          } else if (roll < 0.45) {
            posting = credit(
              `p${i}`,
              pick(buckets),
              1 + Math.floor(random() * 10_000),
              pick(currencies),
            );
          } else if (roll < 0.6) {
            posting = credit(
              `p${i}`,
              pick(buckets),
              -(1 + Math.floor(random() * 5_000)),
              pick(currencies),
            );
          } else if (roll < 0.85) {
            // A transfer between two different buckets in one currency.
            const currency = pick(currencies);
            const from = pick(buckets);
            const to = pick(buckets.filter((b) => b !== from));
            const amountMinor = 1 + Math.floor(random() * 8_000);
            posting = {
              key: `p${i}`,
              kind: "test_transfer",
              txnId: null,
              legs: [
                { bucket: from, currency, amountMinor: -amountMinor },
                { bucket: to, currency, amountMinor },
              ],
            };
          } else {
            // 2..8 legs on distinct bucket/currency pairs, mixed signs and currencies.
            const pairs = currencies.flatMap((currency) =>
              buckets.map((bucket) => ({ bucket, currency })),
            );
            const legCount = 2 + Math.floor(random() * 7);
            const legs: Leg[] = [];
            for (let n = 0; n < legCount; n++) {
              const [pair] = pairs.splice(Math.floor(random() * pairs.length), 1);
              if (!pair) throw new Error("ran out of distinct pairs");
              const magnitude = 1 + Math.floor(random() * 3_000);
              legs.push({ ...pair, amountMinor: random() < 0.6 ? magnitude : -magnitude });
            }
            posting = { key: `p${i}`, kind: "test_multi", txnId: null, legs };
          }

          // The generator must only produce valid postings: one leg per bucket/currency.
          expect(validatePosting(posting), `posting ${i} (${posting.key})`).toBeNull();
          const isReplay = created.includes(posting);
          const next = new Map(oracle);
          for (const leg of posting.legs) {
            const id = `${leg.bucket}/${leg.currency}`;
            next.set(id, (next.get(id) ?? 0) + leg.amountMinor);
          }
          const fits = [...next.values()].every((balance) => balance >= 0);
          const want = isReplay ? "exists" : fits ? "created" : "insufficient_funds";

          const result = post(storage, posting);
          expect(result.status, `posting ${i} (${posting.key})`).toBe(want);
          seen[want]++;
          if (want === "created") {
            for (const [id, balance] of next) oracle.set(id, balance);
            created.push(posting);
            if (posting.legs.length > 2) createdMultiLeg++;
          }
        }

        expect(auditLedger(storage.sql)).toEqual({ ok: true, violations: [] });
        const actual = new Map(
          readBalances(storage.sql).map((b) => [`${b.bucket}/${b.currency}`, b.balanceMinor]),
        );
        expect(actual).toEqual(oracle);
        const legCount = created.reduce((n, p) => n + p.legs.length, 0);
        expect(entries(storage)).toHaveLength(legCount);
        expect(lastLedgerSeq(storage.sql)).toBe(legCount);
      });

      // The sequence must actually exercise every path, or the test proves little.
      expect(seen.created).toBeGreaterThan(50);
      expect(seen.exists).toBeGreaterThan(5);
      expect(seen.insufficient_funds).toBeGreaterThan(5);
      expect(createdMultiLeg).toBeGreaterThan(0);
    },
  );

  test.each([
    {
      label: "bucket balance changed behind the ledger's back",
      corrupt: `UPDATE buckets SET balance_minor = balance_minor + 1 WHERE bucket = 'confirmed'`,
      want: "confirmed/INR: balance 301 != sum of entries 300",
    },
    {
      label: "bucket row with no entries",
      corrupt: `INSERT INTO buckets (bucket, currency, balance_minor) VALUES ('debt', 'INR', 5)`,
      want: "debt/INR: balance 5 with no entries",
    },
    {
      label: "negative bucket",
      corrupt: `UPDATE buckets SET balance_minor = -1 WHERE bucket = 'pending'`,
      want: "pending/INR: negative -1",
    },
    {
      label: "entry amount edited after the fact",
      corrupt: `UPDATE entries SET amount_minor = 999 WHERE seq = 1`,
      want: "entry 1: balance_after 1000, expected 999",
    },
    {
      label: "entry deleted",
      corrupt: `DELETE FROM entries WHERE seq = 3`,
      want: "confirmed/INR: balance 300 with no entries",
    },
  ])("reports a violation: $label", async ({ corrupt, want }) => {
    await inFreshWallet((storage) => {
      post(storage, credit("c1", "pending", 1_000));
      post(storage, transfer("t1", "pending", "confirmed", 300));
      expect(auditLedger(storage.sql)).toEqual({ ok: true, violations: [] });

      storage.sql.exec(corrupt);

      const report = auditLedger(storage.sql);
      expect(report.ok).toBe(false);
      expect(report.violations).toContainEqual(expect.stringContaining(want));
    });
  });
});
