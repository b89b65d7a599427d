import { beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES, type ErrorCode } from "#shared/http/errors";
import { type ContractRow, exchange } from "./contract-exchange";
import { NOT_RETURNED_BY_THE_API, PROBLEMS } from "./contract-problems";
import { ContractValidator, type OpenApiDocument } from "./contract-validator";
import { WALKTHROUGH, walk } from "./contract-walkthrough";
import { api } from "./helpers";

/**
 * The served OpenAPI document against the real api worker: every request of the README
 * walkthrough, and one error per problem type the api can return, each request checked
 * against its operation's parameters and body schema and each response against the schema
 * the document gives for that status and content type. Any mismatch fails the row.
 */

let validator: ContractValidator;

beforeAll(async () => {
  const response = await api("/openapi.json");
  expect(response.status).toBe(200);
  const doc = (await response.json()) as OpenApiDocument;
  expect(doc.openapi).toMatch(/^3\.1\./);
  validator = new ContractValidator(doc);
});

async function runRow<Ctx>(row: ContractRow<Ctx>, ctx: Ctx): Promise<void> {
  const request = await row.request(ctx);
  const { response, body, verdict } = await exchange(validator, request);
  const seen = `${request.method} ${request.path} → ${response.status} ${JSON.stringify(body)?.slice(0, 400)}`;
  expect(response.status, seen).toBe(row.status);
  if (row.problem) expect((body as { code?: string }).code, seen).toBe(row.problem);
  expect(verdict.responseErrors, `${verdict.operation}: response (${seen})`).toEqual([]);
  if (row.requestValid === false) {
    expect(
      verdict.requestErrors,
      `${verdict.operation}: the document accepts a request the server refuses`,
    ).not.toEqual([]);
  } else {
    expect(verdict.requestErrors, `${verdict.operation}: request`).toEqual([]);
  }
  row.keep?.(body, ctx);
}

describe("the README walkthrough, checked against /openapi.json", () => {
  it.each(WALKTHROUGH.map((row) => [row.name, row] as const))("%s", async (_name, row) => {
    await runRow(row, walk);
  });
});

describe("one error response per problem type, checked against /openapi.json", () => {
  it.each(PROBLEMS.map((row) => [row.name, row] as const))("%s", async (_name, row) => {
    await runRow(row, {});
  });

  it("covers every problem code the api can return", () => {
    const covered = new Set(PROBLEMS.map((row) => row.problem));
    const missing = (Object.keys(ERROR_CODES) as ErrorCode[]).filter(
      (code) => !covered.has(code) && !(code in NOT_RETURNED_BY_THE_API),
    );
    expect(missing).toEqual([]);
  });
});
