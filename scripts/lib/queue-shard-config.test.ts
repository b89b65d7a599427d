import { describe, expect, test } from "vitest";
import { declaredQueues, shardProblems, userDbProblems, withShards } from "./queue-shard-config";

/** A producing worker's config (workers/postback's shape), its count var set to `count`. */
function producer(count: string | null, bindings: string[]): string {
  const vars = count === null ? "" : `[vars]\nPOSTBACK_QUEUE_SHARDS = "${count}"\n\n`;
  return `name = "p"\n${vars}${bindings
    .map((b) => {
      const shard = b === "POSTBACKS" ? "" : `-${b.slice("POSTBACKS_".length)}`;
      return `[[queues.producers]]\nbinding = "${b}"\nqueue = "boomerang-postbacks${shard}"\n`;
    })
    .join("\n")}`;
}

const API = `[vars]
LEDGER_EVENT_QUEUE_SHARDS = "1"

[[d1_databases]]
binding = "DB"
database_name = "boomerang"
database_id = "00000000-0000-4000-8000-000000000000"
migrations_dir = "migrations"

[[queues.producers]]
binding = "LEDGER_EVENTS"
queue = "boomerang-ledger-events"

[[queues.consumers]]
queue = "boomerang-postbacks"
max_batch_size = 100
max_retries = 20
dead_letter_queue = "boomerang-postbacks-dlq"

[[queues.consumers]]
queue = "boomerang-ledger-events"
max_batch_size = 100
max_retries = 20
dead_letter_queue = "boomerang-ledger-events-dlq"
`;

describe("shardProblems", () => {
  const apiAt2 = withShards(API, 2);
  test.each<{ label: string; config: string; want: string[] }>([
    {
      label: "no count var and shard 0 only: today's layout",
      config: producer(null, ["POSTBACKS"]),
      want: [],
    },
    {
      label: "count 2 with both bindings and the api consuming both",
      config: producer("2", ["POSTBACKS", "POSTBACKS_1"]),
      want: [],
    },
    {
      label: "count raised without the binding",
      config: producer("2", ["POSTBACKS"]),
      want: [
        'POSTBACK_QUEUE_SHARDS = "2" but no producer binding POSTBACKS_1 (queue boomerang-postbacks-1)',
      ],
    },
    {
      label: "binding added without raising the count",
      config: producer(null, ["POSTBACKS", "POSTBACKS_1"]),
      want: [
        'producer binding POSTBACKS_1 is declared but POSTBACK_QUEUE_SHARDS = "1" never sends to it (raise POSTBACK_QUEUE_SHARDS or remove the block)',
      ],
    },
    {
      label: "a count that is not a whole number",
      config: producer("two", ["POSTBACKS"]),
      want: ['POSTBACK_QUEUE_SHARDS = "two" is not a whole number from 1 to 64'],
    },
    {
      label: "a count past the 64 a family may have",
      config: producer("65", ["POSTBACKS"]),
      want: ['POSTBACK_QUEUE_SHARDS = "65" is not a whole number from 1 to 64'],
    },
    {
      label: "a binding on the wrong queue",
      config: producer("2", ["POSTBACKS", "POSTBACKS_1"]).replace(
        "boomerang-postbacks-1",
        "boomerang-postbacks-7",
      ),
      want: ["producer POSTBACKS_1 sends to boomerang-postbacks-7, not boomerang-postbacks-1"],
    },
  ])("$label", ({ config, want }) => {
    expect(shardProblems(config, apiAt2)).toEqual(want);
  });

  test("a shard queue with no consumer in the api's config is named", () => {
    expect(shardProblems(producer("2", ["POSTBACKS", "POSTBACKS_1"]), API)).toEqual([
      "shard queue boomerang-postbacks-1 has no consumer in the api's wrangler.toml",
    ]);
  });
});

describe("withShards", () => {
  test("adds producers and consumers of shards 1..n-1 and user databases, which then agree", () => {
    const at4 = withShards(API, 4, { userDbs: true }).replace(
      'LEDGER_EVENT_QUEUE_SHARDS = "1"',
      'LEDGER_EVENT_QUEUE_SHARDS = "4"\nUSER_DB_SHARDS = "4"',
    );
    const { producers, consumers } = declaredQueues(at4);
    expect([...producers]).toEqual([
      ["LEDGER_EVENTS", "boomerang-ledger-events"],
      ["LEDGER_EVENTS_1", "boomerang-ledger-events-1"],
      ["LEDGER_EVENTS_2", "boomerang-ledger-events-2"],
      ["LEDGER_EVENTS_3", "boomerang-ledger-events-3"],
    ]);
    expect(consumers).toEqual(
      new Set([
        "boomerang-postbacks",
        "boomerang-ledger-events",
        ...[1, 2, 3].flatMap((i) => [`boomerang-postbacks-${i}`, `boomerang-ledger-events-${i}`]),
      ]),
    );
    // A shard's consumer keeps shard 0's settings and dead-letter queue.
    expect(at4).toContain(
      '[[queues.consumers]]\nqueue = "boomerang-postbacks-3"\nmax_batch_size = 100\nmax_retries = 20\ndead_letter_queue = "boomerang-postbacks-dlq"\n',
    );
    expect(at4).toContain(
      '[[d1_databases]]\nbinding = "USER_DB_3"\ndatabase_name = "boomerang-user-3"\ndatabase_id = "00000000-0000-4000-8000-000000000003"\nmigrations_dir = "migrations"\n',
    );
    expect(shardProblems(at4, at4)).toEqual([]);
    expect(userDbProblems(at4)).toEqual([]);
  });

  test("n = 1 leaves the config as it is", () => {
    expect(withShards(API, 1, { userDbs: true })).toBe(API);
  });
});

describe("userDbProblems", () => {
  test("a count above the bound databases is named; bound ones above the count are a move under way", () => {
    const at2 = withShards(API, 2, { userDbs: true });
    expect(userDbProblems(at2.replace("[vars]", '[vars]\nUSER_DB_SHARDS = "4"'))).toEqual([
      'USER_DB_SHARDS = "4" but no [[d1_databases]] binding USER_DB_2',
      'USER_DB_SHARDS = "4" but no [[d1_databases]] binding USER_DB_3',
    ]);
    expect(userDbProblems(at2)).toEqual([]);
  });
});
