import { and, asc, count, desc, eq, is, like, or, SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle } from "drizzle-orm/d1";
import { SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import {
  merchants,
  networkHealth,
  networks,
  offerSearchCategories,
  offerSearchDocs,
  offers,
} from "#shared/db/schema";
import { liveOfferCondition } from "#workers/api/src/features/catalog/index";
import { catalogWriteStatements } from "#workers/api/src/features/discovery/search-index";
import { matchExpression } from "#workers/api/src/features/discovery/search-query";
import { categoryCounts, searchCatalog } from "#workers/api/src/features/discovery/store";

/**
 * Benchmark only (`npm run bench:catalog`): seeds a synthetic catalog into the local D1
 * through the real write path, and times the real catalog queries (discovery/store.ts) against
 * unindexed `LIKE` queries over the same rows, with the same joins, visibility rule, order and
 * page size. Times are taken inside the worker around each awaited D1 call, so they hold the
 * query and the hop to the local D1, not HTTP. Not deployed.
 */

interface Env {
  DB: D1Database;
}

const NETWORK = "bench-net";
const OFFERS_PER_MERCHANT = 20;
const PAGE_ROWS = 21;
const OFFERS_PER_BATCH = 200;

// ---- synthetic catalog: deterministic, so every run searches the same data ----------------

const SYLLABLES = [
  "ka",
  "ro",
  "mi",
  "ta",
  "lu",
  "ve",
  "zo",
  "pa",
  "ni",
  "se",
  "bo",
  "di",
  "fa",
  "go",
  "he",
  "jo",
  "ku",
  "le",
  "mo",
  "nu",
  "ri",
  "sa",
  "ti",
  "vo",
  "wa",
  "xe",
  "yu",
  "za",
];
const CATEGORIES = Array.from({ length: 40 }, (_, i) => `cat${String(i).padStart(2, "0")}`);

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A vocabulary of 2,000 words; word i is drawn with a skewed (Zipf-like) frequency. */
const VOCABULARY = Array.from({ length: 2_000 }, (_, i) => {
  const r = rng(i + 1);
  const n = 2 + Math.floor(r() * 2);
  return Array.from({ length: n }, () => SYLLABLES[Math.floor(r() * SYLLABLES.length)]).join("");
});
const word = (r: () => number) => VOCABULARY[Math.floor(VOCABULARY.length * r() ** 2)] as string;
const words = (r: () => number, n: number) => Array.from({ length: n }, () => word(r)).join(" ");
const capital = (s: string) => `${s[0]?.toUpperCase()}${s.slice(1)}`;

function merchantRow(m: number, nowMs: number) {
  const r = rng(1_000_000 + m);
  return {
    id: `m${m}`,
    networkId: NETWORK,
    name: `${capital(word(r))} ${capital(word(r))}`,
    landingUrl: `https://m${m}.bench.test/`,
    active: true,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
}

function offerRow(i: number, nowMs: number) {
  const r = rng(i + 7);
  const categoryRates: Record<string, number> = {};
  const count = 1 + Math.floor(r() * 3);
  for (let c = 0; c < count; c++) {
    categoryRates[CATEGORIES[Math.floor(r() * CATEGORIES.length)] as string] =
      100 * (1 + Math.floor(r() * 20));
  }
  return {
    id: `o${i}`,
    merchantId: `m${Math.floor(i / OFFERS_PER_MERCHANT)}`,
    title: `${capital(words(r, 3))} cashback`,
    description: words(r, 8),
    currency: "INR",
    cashbackTerms: {
      basis: "sale" as const,
      defaultRateBps: 100 * (1 + Math.floor(r() * 10)),
      categoryRates,
    },
    returnWindowDays: 30,
    // One offer in 20 switched off: hidden, as in a real catalog.
    active: i % 20 !== 7,
    createdAtMs: nowMs - i * 1_000,
    updatedAtMs: nowMs,
  };
}

async function seed(env: Env, from: number, to: number): Promise<number> {
  const db = drizzle(env.DB);
  const nowMs = Date.now();
  await db
    .insert(networks)
    .values({
      id: NETWORK,
      name: "Bench",
      trackingTemplate: "https://n.test/?s={subid}",
      postbackSecret: "bench-secret-0123456789abcdef",
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
    })
    .onConflictDoNothing();
  for (let start = from; start < to; start += OFFERS_PER_BATCH) {
    const end = Math.min(to, start + OFFERS_PER_BATCH);
    const statements: BatchItem<"sqlite">[] = [];
    const firstMerchant = Math.floor(start / OFFERS_PER_MERCHANT);
    const lastMerchant = Math.floor((end - 1) / OFFERS_PER_MERCHANT);
    for (let m = firstMerchant; m <= lastMerchant; m++) {
      statements.push(db.insert(merchants).values(merchantRow(m, nowMs)).onConflictDoNothing());
    }
    const rows = Array.from({ length: end - start }, (_, k) => offerRow(start + k, nowMs));
    for (const row of rows) statements.push(db.insert(offers).values(row).onConflictDoNothing());
    // The documents through the real write path.
    statements.push(
      ...catalogWriteStatements(
        env.DB,
        rows.map((row) => ({
          kind: "offer" as const,
          offerId: row.id,
          cashbackTerms: row.cashbackTerms,
        })),
        nowMs,
      ),
    );
    const [first, ...rest] = statements;
    if (first) await db.batch([first, ...rest]);
  }
  return to - from;
}

// ---- the queries -------------------------------------------------------------------------------

/** The unindexed baseline: the same joins, visibility, order and page, filtered by LIKE. */
function likeSearch(env: Env, text: string) {
  const db = drizzle(env.DB);
  const terms = text.split(" ").map((t) => {
    const pattern = `%${t}%`;
    return or(
      like(offers.title, pattern),
      like(offers.description, pattern),
      like(merchants.name, pattern),
      like(offers.cashbackTerms, pattern),
    );
  });
  return db
    .select({ offer: offers, merchant: merchants })
    .from(offers)
    .innerJoin(merchants, eq(merchants.id, offers.merchantId))
    .innerJoin(networks, eq(networks.id, merchants.networkId))
    .leftJoin(networkHealth, eq(networkHealth.networkId, networks.id))
    .innerJoin(offerSearchDocs, eq(offerSearchDocs.offerId, offers.id))
    .where(and(liveOfferCondition(Date.now()), ...terms))
    .orderBy(desc(offerSearchDocs.headlineRateBps), desc(offers.id))
    .limit(PAGE_ROWS);
}

function likeCategory(env: Env, category: string) {
  const db = drizzle(env.DB);
  return db
    .select({ offer: offers, merchant: merchants })
    .from(offers)
    .innerJoin(merchants, eq(merchants.id, offers.merchantId))
    .innerJoin(networks, eq(networks.id, merchants.networkId))
    .leftJoin(networkHealth, eq(networkHealth.networkId, networks.id))
    .innerJoin(offerSearchDocs, eq(offerSearchDocs.offerId, offers.id))
    .where(and(liveOfferCondition(Date.now()), like(offers.cashbackTerms, `%"${category}"%`)))
    .orderBy(desc(offerSearchDocs.headlineRateBps), desc(offers.id))
    .limit(PAGE_ROWS);
}

function scanCategoryCounts() {
  return sql`
    SELECT j.key AS category, count(*) AS offers
    FROM ${offers}
    JOIN ${merchants} ON ${merchants.id} = ${offers.merchantId}
    JOIN ${networks} ON ${networks.id} = ${merchants.networkId}
    LEFT JOIN ${networkHealth} ON ${networkHealth.networkId} = ${networks.id},
    json_each(${offers.cashbackTerms}, '$.categoryRates') AS j
    WHERE ${liveOfferCondition(Date.now())}
    GROUP BY j.key ORDER BY j.key LIMIT 500`;
}

/**
 * The per-request count that catalog_category_counts replaced: every category row joined to
 * its offer, merchant, network and breaker, filtered by the visibility rule. Kept as a
 * reference figure beside the maintained table.
 */
function joinedCategoryCounts(env: Env) {
  return drizzle(env.DB)
    .select({ category: offerSearchCategories.category, offers: count() })
    .from(offerSearchCategories)
    .innerJoin(offers, eq(offers.id, offerSearchCategories.offerId))
    .innerJoin(merchants, eq(merchants.id, offers.merchantId))
    .innerJoin(networks, eq(networks.id, merchants.networkId))
    .leftJoin(networkHealth, eq(networkHealth.networkId, networks.id))
    .where(liveOfferCondition(Date.now()))
    .groupBy(offerSearchCategories.category)
    .orderBy(asc(offerSearchCategories.category))
    .limit(500);
}

const search = (env: Env, q: string, sort: "relevance" | "rate") =>
  searchCatalog(env.DB, {
    match: matchExpression(q),
    category: null,
    merchantId: null,
    sort,
    after: null,
    rows: PAGE_ROWS,
    nowMs: Date.now(),
  });

/** A query as drizzle builds it; run through the binding directly to read D1's own timing. */
type Query = { toSQL(): { sql: string; params: unknown[] } } | SQL;

interface Case {
  name: string;
  indexed: () => Query;
  baseline: () => Query;
}

function cases(env: Env): Case[] {
  const common = VOCABULARY[3] as string;
  const rare = VOCABULARY[1_900] as string;
  const prefix = common.slice(0, 3);
  return [
    {
      name: `search: one prefix (q=${prefix})`,
      indexed: () => search(env, prefix, "relevance"),
      baseline: () => likeSearch(env, prefix),
    },
    {
      name: `search: a common word (q=${common})`,
      indexed: () => search(env, common, "relevance"),
      baseline: () => likeSearch(env, common),
    },
    {
      name: `search: two words (q=${common} ${VOCABULARY[10]})`,
      indexed: () => search(env, `${common} ${VOCABULARY[10]}`, "relevance"),
      baseline: () => likeSearch(env, `${common} ${VOCABULARY[10]}`),
    },
    {
      name: `search: a rare word (q=${rare})`,
      indexed: () => search(env, rare, "relevance"),
      baseline: () => likeSearch(env, rare),
    },
    {
      name: `search by rate (q=${common}&sort=rate)`,
      indexed: () => search(env, common, "rate"),
      baseline: () => likeSearch(env, common),
    },
    {
      name: "browse: a category by rate (category=cat07)",
      indexed: () =>
        searchCatalog(env.DB, {
          match: null,
          category: "cat07",
          merchantId: null,
          sort: "rate",
          after: null,
          rows: PAGE_ROWS,
          nowMs: Date.now(),
        }),
      baseline: () => likeCategory(env, "cat07"),
    },
    {
      name: "browse: all offers by rate (no filter)",
      indexed: () =>
        searchCatalog(env.DB, {
          match: null,
          category: null,
          merchantId: null,
          sort: "rate",
          after: null,
          rows: PAGE_ROWS,
          nowMs: Date.now(),
        }),
      baseline: () => likeSearch(env, ""),
    },
    {
      name: "browse: category counts",
      indexed: () => categoryCounts(env.DB, Date.now(), 500),
      baseline: () => scanCategoryCounts(),
    },
    {
      name: "browse: category counts, per-request join (replaced)",
      indexed: () => joinedCategoryCounts(env),
      baseline: () => scanCategoryCounts(),
    },
  ];
}

const dialect = new SQLiteSyncDialect();

function prepared(env: Env, query: Query): D1PreparedStatement {
  const { sql: text, params } = is(query, SQL) ? dialect.sqlToQuery(query) : query.toSQL();
  return env.DB.prepare(text).bind(...params);
}

/**
 * Runs the query `iterations` times. `sql*`: D1's own execution time (`meta.duration`), what
 * the database spends; `wall*`: around the awaited call in the worker (whole milliseconds:
 * workerd's clock), which adds the hop to the local D1.
 */
async function timed(env: Env, build: () => Query, iterations: number) {
  const sqlMs: number[] = [];
  const wallMs: number[] = [];
  let rows = 0;
  for (let i = 0; i < iterations; i++) {
    const statement = prepared(env, build());
    const start = performance.now();
    const result = await statement.all();
    wallMs.push(performance.now() - start);
    sqlMs.push(result.meta.duration);
    rows = result.results.length;
  }
  const stats = (samples: number[]) => {
    const sorted = [...samples].sort((a, b) => a - b);
    const at = (p: number) =>
      sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
    return { p50: at(0.5), p95: at(0.95) };
  };
  const q = stats(sqlMs);
  const w = stats(wallMs);
  return { sqlP50Ms: q.p50, sqlP95Ms: q.p95, wallP50Ms: w.p50, wallP95Ms: w.p95, rows };
}

async function measure(env: Env, iterations: number) {
  // The maintained counts must be the counts: the same rows as the scan, or no figures.
  const [maintained, scanned] = await Promise.all([
    prepared(env, categoryCounts(env.DB, Date.now(), 500)).all(),
    prepared(env, scanCategoryCounts()).all(),
  ]);
  // Values only: the raw rows name the sum column by its expression.
  const values = (rows: Record<string, unknown>[]) => JSON.stringify(rows.map(Object.values));
  if (values(maintained.results) !== values(scanned.results)) {
    throw new Error("catalog_category_counts differs from a recount of the same rows");
  }
  const results = [];
  for (const c of cases(env)) {
    // Warm both (statement cache, pages) before timing.
    await prepared(env, c.indexed()).all();
    await prepared(env, c.baseline()).all();
    results.push({
      name: c.name,
      indexed: await timed(env, c.indexed, iterations),
      baseline: await timed(env, c.baseline, iterations),
    });
  }
  const [{ n }] = (await env.DB.prepare("SELECT count(*) AS n FROM offers").all<{ n: number }>())
    .results as [{ n: number }];
  return { offers: n, iterations, results };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const int = (name: string, fallback: number) => Number(url.searchParams.get(name) ?? fallback);
    if (request.method === "POST" && url.pathname === "/seed") {
      return Response.json({ seeded: await seed(env, int("from", 0), int("to", 0)) });
    }
    if (url.pathname === "/measure")
      return Response.json(await measure(env, int("iterations", 20)));
    if (url.pathname === "/healthz") return Response.json({ ok: true });
    return new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<Env>;
