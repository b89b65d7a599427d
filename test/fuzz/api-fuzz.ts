import fc from "fast-check";
import type { OpenApiDocument } from "../contract-validator";
import {
  BODY_MUTATIONS,
  CREDENTIAL_MUTATIONS,
  type CredentialMutation,
  HOSTILE_PATH_VALUES,
  HOSTILE_QUERY_VALUES,
  hostileAuthorization,
  mutateBody,
  mutateValue,
  valueMutationArbitrary,
} from "./mutations";
import { type JsonSchema, schemaArbitrary } from "./schema-arbitrary";

/**
 * Request plans for the api fuzz, from the served OpenAPI document: per operation, an
 * arbitrary of requests the document describes, then one hostile change (or none). Shared by
 * the CI sample (test/fuzz/api-fuzz.e2e.test.ts) and the long run (scripts/fuzz.ts), so both
 * send the same requests for the same seed.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: JsonSchema;
}

interface Operation {
  method: string;
  template: string;
  operationId: string;
  parameters: Parameter[];
  bodyType: string | undefined;
  bodySchema: JsonSchema | undefined;
  /** "admin", "user" (a JWT is required), "optional-user" or "none". */
  auth: "admin" | "user" | "optional-user" | "none";
}

export const MODES = [
  "valid",
  "value",
  "value",
  "body",
  "credential",
  "path",
  "query",
  "other-user",
] as const;
export type Mode = (typeof MODES)[number];

export interface FuzzContext {
  /** The user whose JWT the user operations carry. */
  userId: string;
  /** Another user; their id and resources are what "other-user" requests aim at. */
  otherUserId: string;
  /** Ids of the other user's resources, by path parameter name (e.g. id → a destination). */
  otherUserResourceIds: string[];
  userJwtSecret: string;
  adminKey: string;
  maxBodyBytes: number;
  nowSec: number;
  mintUserJwt: (userId: string) => Promise<string>;
}

export interface PlannedRequest {
  operationId: string;
  mode: Mode;
  /** Which mutation, for the report (e.g. "value:deep-nesting"). */
  mutation: string;
  method: string;
  /** Path and query. */
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** The JSON value sent, when the body is JSON the validator can read. */
  jsonBody: unknown;
  /** Whether the credentials were made hostile (the request must be refused 401/403). */
  hostileCredentials: boolean;
  /** A user's request for another user's resource (it must be refused). */
  crossUser: boolean;
}

const HTTP_METHODS = ["get", "put", "post", "delete", "patch"] as const;

export function operationsOf(doc: OpenApiDocument): Operation[] {
  const ops: Operation[] = [];
  for (const [template, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method] as
        | (Record<string, unknown> & {
            operationId?: string;
            parameters?: Parameter[];
            requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
            security?: Array<Record<string, string[]>>;
          })
        | undefined;
      if (!op) continue;
      const content = op.requestBody?.content ?? {};
      const bodyType = Object.keys(content)[0];
      const security = op.security ?? [];
      const names = security.map((s) => Object.keys(s)[0] ?? "");
      const auth = names.includes("adminKey")
        ? "admin"
        : names.includes("userJwt")
          ? names.includes("")
            ? "optional-user"
            : "user"
          : "none";
      ops.push({
        method: method.toUpperCase(),
        template,
        operationId: op.operationId ?? `${method} ${template}`,
        parameters: op.parameters ?? [],
        bodyType,
        bodySchema: bodyType ? content[bodyType]?.schema : undefined,
        auth,
      });
    }
  }
  return ops;
}

const paramArbitrary = (p: Parameter, components: Record<string, JsonSchema>) =>
  schemaArbitrary(p.schema ?? { type: "string", minLength: 1, maxLength: 12 }, {
    components,
    maxDepth: 2,
  }).map((v) => (typeof v === "string" ? v : JSON.stringify(v)));

/** The arbitrary of one operation's raw material: valid parts plus every mutation choice. */
function rawArbitrary(op: Operation, components: Record<string, JsonSchema>) {
  const path: Record<string, fc.Arbitrary<string>> = {};
  const query: Record<string, fc.Arbitrary<string>> = {};
  const header: Record<string, fc.Arbitrary<string>> = {};
  for (const p of op.parameters) {
    if (p.in === "path") path[p.name] = paramArbitrary(p, components);
    if (p.in === "query") query[p.name] = paramArbitrary(p, components);
    if (p.in === "header") header[p.name] = paramArbitrary(p, components);
  }
  return fc.record({
    mode: fc.constantFrom(...MODES),
    path: fc.record(path),
    query: fc.record(query, { requiredKeys: [] }),
    header: fc.record(header),
    body: op.bodySchema
      ? schemaArbitrary(op.bodySchema, { components, maxDepth: 5 })
      : fc.constant(undefined),
    valueMutation: valueMutationArbitrary,
    bodyMutation: fc.constantFrom(...BODY_MUTATIONS),
    credential: fc.constantFrom(...CREDENTIAL_MUTATIONS),
    n: fc.nat(),
  });
}

type Raw = ReturnType<typeof rawArbitrary> extends fc.Arbitrary<infer R> ? R : never;

function encodeBody(op: Operation, value: unknown): string {
  if (op.bodyType === "application/x-www-form-urlencoded" && value && typeof value === "object") {
    return new URLSearchParams(
      Object.entries(value as Record<string, unknown>).map(([k, v]): [string, string] => [
        k,
        typeof v === "string" ? v : JSON.stringify(v),
      ]),
    ).toString();
  }
  return JSON.stringify(value);
}

/**
 * Plans `count` requests from `seed`: request i aims at operation i mod (number of
 * operations), so a count of at least that number covers every operation.
 */
export class ApiFuzzPlanner {
  private readonly ops: Operation[];
  private readonly components: Record<string, JsonSchema>;
  private readonly arbitraries = new Map<string, ReturnType<typeof rawArbitrary>>();

  constructor(doc: OpenApiDocument) {
    this.ops = operationsOf(doc);
    this.components = (doc.components?.schemas ?? {}) as Record<string, JsonSchema>;
  }

  get operationCount(): number {
    return this.ops.length;
  }

  async plan(seed: number, index: number, ctx: FuzzContext): Promise<PlannedRequest> {
    const op = this.ops[index % this.ops.length] as Operation;
    let arbitrary = this.arbitraries.get(op.operationId);
    if (!arbitrary) {
      arbitrary = rawArbitrary(op, this.components);
      this.arbitraries.set(op.operationId, arbitrary);
    }
    const [raw] = fc.sample(arbitrary, { seed: (seed * 1_000_003 + index) | 0, numRuns: 1 });
    if (!raw) throw new Error("fast-check drew nothing");
    return this.build(op, raw, ctx);
  }

  private async build(op: Operation, raw: Raw, ctx: FuzzContext): Promise<PlannedRequest> {
    let mode: Mode = raw.mode;
    const hasBody = op.bodySchema !== undefined;
    const pathNames = op.parameters.filter((p) => p.in === "path").map((p) => p.name);
    const queryNames = op.parameters.filter((p) => p.in === "query").map((p) => p.name);
    // A mutation with nothing to act on falls back to one that has.
    if ((mode === "value" || mode === "body") && !hasBody)
      mode = queryNames.length ? "query" : "credential";
    if (mode === "path" && pathNames.length === 0)
      mode = queryNames.length ? "query" : "credential";
    if (mode === "query" && queryNames.length === 0) mode = "credential";
    if (mode === "credential" && op.auth !== "admin" && op.auth !== "user") mode = "valid";
    if (mode === "other-user" && pathNames.length === 0) mode = "valid";

    const path = { ...raw.path };
    const query: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw.query)) if (v !== undefined) query[k] = v;
    const headers: Record<string, string> = { ...raw.header };
    let mutation: string = mode;

    // Fixtures make valid requests reach real rows: the fuzz users' ids for user parameters.
    for (const name of pathNames) {
      if (/^(id|userId)$/.test(name) && op.template.includes("/users/") && raw.n % 2 === 0) {
        path[name] = ctx.userId;
      }
    }
    if (mode === "path") {
      const name = pathNames[raw.n % pathNames.length] as string;
      path[name] = HOSTILE_PATH_VALUES[raw.valueMutation.a % HOSTILE_PATH_VALUES.length] as string;
      mutation = `path:${name}`;
    }
    if (mode === "query") {
      const name = queryNames[raw.n % queryNames.length] as string;
      query[name] = HOSTILE_QUERY_VALUES[
        raw.valueMutation.a % HOSTILE_QUERY_VALUES.length
      ] as string;
      mutation = `query:${name}`;
    }
    if (mode === "other-user") {
      const name = pathNames[raw.n % pathNames.length] as string;
      const ids = [ctx.otherUserId, ...ctx.otherUserResourceIds];
      path[name] = ids[raw.valueMutation.a % ids.length] as string;
      mutation = `other-user:${name}`;
    }

    let url = op.template.replace(/\{([^}]+)\}/g, (_m, name: string) =>
      encodeURIComponent(path[name] ?? "x"),
    );
    const search = new URLSearchParams(query).toString();
    if (search) url += `?${search}`;

    // Credentials: the operation's own, unless this request makes them hostile.
    let hostileCredentials = false;
    if (op.auth === "admin") headers.authorization = `Bearer ${ctx.adminKey}`;
    if (op.auth === "user" || op.auth === "optional-user") {
      headers.authorization = `Bearer ${await ctx.mintUserJwt(ctx.userId)}`;
    }
    if (mode === "credential") {
      let kind: CredentialMutation = raw.credential;
      if (op.auth === "user" && kind === "user-on-admin") kind = "bad-admin-key";
      const value = await hostileAuthorization(kind, {
        userId: ctx.userId,
        userJwtSecret: ctx.userJwtSecret,
        nowSec: ctx.nowSec,
      });
      if (value === undefined) delete headers.authorization;
      else headers.authorization = value;
      hostileCredentials = true;
      mutation = `credential:${kind}`;
    }

    let body: string | undefined;
    let jsonBody: unknown;
    if (hasBody) {
      let value = raw.body as Json;
      if (mode === "value") {
        const { kind, a, b } = raw.valueMutation;
        value = mutateValue(value ?? null, kind, a, b);
        mutation = `value:${kind}`;
      }
      body = encodeBody(op, value);
      headers["content-type"] = op.bodyType as string;
      jsonBody = op.bodyType === "application/json" ? value : undefined;
      if (mode === "body") {
        const mutated = mutateBody(body, raw.bodyMutation, raw.n, ctx.maxBodyBytes);
        body = mutated.text;
        if (mutated.contentType === undefined) delete headers["content-type"];
        else headers["content-type"] = mutated.contentType;
        jsonBody = undefined;
        mutation = `body:${raw.bodyMutation}`;
      }
    }
    return {
      operationId: op.operationId,
      mode,
      mutation,
      method: op.method,
      url,
      headers,
      body,
      jsonBody,
      hostileCredentials,
      crossUser: mode === "other-user" && op.auth === "user",
    };
  }
}
