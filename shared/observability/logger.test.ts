import { describe, expect, test } from "vitest";
import { createLogger, errorFields, type LogLevel, requestIdOf } from "./logger";

function capture() {
  const lines: { level: LogLevel; record: Record<string, unknown> }[] = [];
  const sink = (level: LogLevel, line: string) => lines.push({ level, record: JSON.parse(line) });
  return { lines, sink };
}

describe("createLogger", () => {
  test("writes one JSON line with worker, event, request id and fields", () => {
    const { lines, sink } = capture();
    createLogger({ worker: "api", requestId: "ray-1" }, sink).info("postback.accepted", {
      networkId: "net_a",
      conversions: 3,
    });
    expect(lines).toEqual([
      {
        level: "info",
        record: {
          level: "info",
          event: "postback.accepted",
          worker: "api",
          requestId: "ray-1",
          networkId: "net_a",
          conversions: 3,
        },
      },
    ]);
  });

  test.each([
    ["token", "eyJhbGciOi"],
    ["apiToken", "abc"],
    ["webhookSecret", "s3cr3t"],
    ["email", "alice@example.com"],
    ["phone", "+919999999999"],
    ["accountNumber", "123456789012"],
    ["upiId", "alice@upi"],
    ["holderName", "Alice Demo"],
    ["ip", "203.0.113.7"],
    ["rawBody", '{"order":1}'],
    ["authorization", "Bearer x"],
    ["stepUpCode", "123456"],
  ])("never writes the value of a field named %s", (key, value) => {
    const { lines, sink } = capture();
    createLogger({ worker: "api" }, sink).warn("something", { [key]: value });
    expect(lines[0]?.record[key]).toBe("[redacted]");
    expect(JSON.stringify(lines)).not.toContain(value);
  });

  test("bounds long strings and drops undefined fields", () => {
    const { lines, sink } = capture();
    createLogger({ worker: "redirect" }, sink).error("failed", {
      detail: "x".repeat(1_000),
      missing: undefined,
    });
    const record = lines[0]?.record ?? {};
    expect(String(record.detail).length).toBeLessThanOrEqual(301);
    expect("missing" in record).toBe(false);
  });

  test("with() adds fields to every later line and keeps the level", () => {
    const { lines, sink } = capture();
    const log = createLogger({ worker: "api", requestId: "r" }, sink).with({ runId: "run_1" });
    log.error("a");
    log.debug("b");
    expect(lines.map((l) => [l.level, l.record.runId, l.record.requestId])).toEqual([
      ["error", "run_1", "r"],
      ["debug", "run_1", "r"],
    ]);
  });
});

describe("errorFields", () => {
  test.each([
    ["an Error", new TypeError("bad"), { errorName: "TypeError", errorMessage: "bad" }],
    ["a string", "boom", { errorName: "string", errorMessage: "boom" }],
  ])("%s", (_label, error, expected) => {
    expect(errorFields(error)).toEqual(expected);
  });
});

describe("requestIdOf", () => {
  test("uses cf-ray when present", () => {
    const request = new Request("https://x.test", {
      headers: { "cf-ray": "8f1a2b3c4d5e6f70-SIN" },
    });
    expect(requestIdOf(request)).toBe("8f1a2b3c4d5e6f70-SIN");
  });
  test("mints an id otherwise, and for a malformed cf-ray", () => {
    expect(requestIdOf(new Request("https://x.test"))).toMatch(/^req_[0-9a-f]{32}$/);
    const odd = new Request("https://x.test", { headers: { "cf-ray": "<script>" } });
    expect(requestIdOf(odd)).toMatch(/^req_[0-9a-f]{32}$/);
  });
});
