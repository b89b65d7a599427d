import { describe, expect, test } from "vitest";
import { ContractValidator, type Exchange, type OpenApiDocument } from "./contract-validator";

/** The checker itself: each kind of mismatch the contract test relies on is caught. */
const DOC: OpenApiDocument = {
  openapi: "3.1.0",
  paths: {
    "/things/{id}": {
      put: {
        operationId: "putThing",
        parameters: [
          {
            name: "id",
            in: "path",
            required: true,
            schema: { type: "string", pattern: "^[a-z]+$" },
          },
          { name: "limit", in: "query", schema: { type: "integer", maximum: 10 } },
        ],
        requestBody: {
          required: true,
          content: { "application/json": { schema: { $ref: "#/components/schemas/ThingInput" } } },
        },
        responses: {
          "200": {
            content: { "application/json": { schema: { $ref: "#/components/schemas/Thing" } } },
          },
          "400": {
            content: {
              "application/problem+json": { schema: { type: "object", required: ["code"] } },
            },
          },
          "204": {},
        },
      },
    },
    "/things/latest": { put: { operationId: "putLatest", responses: { "200": {} } } },
  },
  components: {
    schemas: {
      ThingInput: {
        type: "object",
        properties: { name: { type: "string", pattern: "^[\\p{L} ]+$" } },
        required: ["name"],
        additionalProperties: false,
      },
      Thing: { type: "object", properties: { id: { type: "string" } }, required: ["id"] },
    },
  },
};

const base: Exchange = {
  method: "PUT",
  url: "/things/abc?limit=3",
  requestHeaders: { "content-type": "application/json" },
  requestBody: { name: "Alice Demo" },
  status: 200,
  contentType: "application/json",
  responseBody: { id: "abc" },
};

const validator = new ContractValidator(DOC);

describe("ContractValidator", () => {
  test.each<[string, Partial<Exchange>, string[], string[]]>([
    ["a documented exchange", {}, [], []],
    ["a path that no operation has", { url: "/nothing" }, ["no operation"], []],
    ["a path parameter outside its pattern", { url: "/things/ABC" }, ["path id"], []],
    ["a query parameter over its maximum", { url: "/things/abc?limit=11" }, ["query limit"], []],
    ["an undocumented query parameter", { url: "/things/abc?debug=1" }, ["query debug"], []],
    ["a body missing a required field", { requestBody: {} }, ["body"], []],
    ["a body with an unknown field", { requestBody: { name: "A", x: 1 } }, ["body"], []],
    ["a required body left out", { requestBody: undefined }, ["body: required"], []],
    [
      "a body in another content type",
      { requestHeaders: { "content-type": "text/plain" } },
      ["content-type text/plain"],
      [],
    ],
    ["an undocumented status", { status: 409 }, [], ["status 409"]],
    ["a response body off its schema", { responseBody: { id: 7 } }, [], ["response 200"]],
    [
      "a response in an undocumented content type",
      { contentType: "text/html" },
      [],
      ["content-type text/html"],
    ],
    [
      "a problem document where one is declared",
      { status: 400, contentType: "application/problem+json", responseBody: { code: "x" } },
      [],
      [],
    ],
    [
      "a body where none is declared",
      { status: 204, responseBody: { id: "abc" } },
      [],
      ["no body"],
    ],
  ])("%s", (_label, change, requestHints, responseHints) => {
    const verdict = validator.verdict({ ...base, ...change });
    if (requestHints.length === 0) expect(verdict.requestErrors).toEqual([]);
    for (const hint of requestHints) expect(verdict.requestErrors.join("\n")).toContain(hint);
    if (responseHints.length === 0) expect(verdict.responseErrors).toEqual([]);
    for (const hint of responseHints) expect(verdict.responseErrors.join("\n")).toContain(hint);
  });

  test("a concrete path wins over a template", () => {
    const verdict = validator.verdict({ ...base, url: "/things/latest", requestBody: undefined });
    expect(verdict.operation).toBe("putLatest");
  });
});
