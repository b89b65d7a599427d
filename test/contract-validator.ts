import { type Schema, Validator } from "@cfworker/json-schema";

/**
 * Checks real requests and responses against the OpenAPI 3.1 document the api serves, with
 * @cfworker/json-schema (JSON Schema 2020-12, the dialect of OpenAPI 3.1; it interprets
 * schemas instead of compiling them, so it runs inside workerd, where `new Function` is
 * refused). Each check returns a list of mismatches; an empty list means the exchange is
 * one the document describes.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface ParameterObject {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: Schema;
}

interface MediaTypes {
  content?: Record<string, { schema?: Schema }>;
}

interface OperationObject {
  operationId?: string;
  parameters?: ParameterObject[];
  requestBody?: MediaTypes & { required?: boolean };
  responses?: Record<string, MediaTypes>;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, Schema> };
}

/** One exchange as the test saw it. */
export interface Exchange {
  method: string;
  /** Path and query, e.g. `/v1/me/ledger?limit=2`. */
  url: string;
  requestHeaders: Record<string, string>;
  requestBody?: unknown;
  status: number;
  contentType: string | null;
  responseBody: unknown;
}

/** The operation a request matched, and what is wrong with each side of the exchange. */
export interface ContractVerdict {
  operation: string;
  requestErrors: string[];
  responseErrors: string[];
}

const COMPONENTS_ID = "https://contract.test/components";
const HTTP_METHODS = ["get", "put", "post", "delete", "patch"] as const;

/**
 * The document's component schemas as one JSON Schema resource (`$defs`), every
 * `#/components/schemas/X` reference rewritten to point into it, so the validator resolves
 * references without knowing OpenAPI's layout.
 */
function rebaseReferences(doc: OpenApiDocument): OpenApiDocument {
  const text = JSON.stringify(doc).replaceAll(
    '"$ref":"#/components/schemas/',
    `"$ref":"${COMPONENTS_ID}#/$defs/`,
  );
  return JSON.parse(text) as OpenApiDocument;
}

function pathPattern(template: string): RegExp {
  const escaped = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith("{") ? "([^/]+)" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("");
  return new RegExp(`^${escaped}$`);
}

/** A parameter arrives as a string; read it as the type its schema names. */
function coerce(value: string, schema: Schema | undefined): Json {
  const types = [schema?.type ?? []].flat();
  if ((types.includes("integer") || types.includes("number")) && /^-?\d+(\.\d+)?$/.test(value)) {
    return Number(value);
  }
  if (types.includes("boolean") && (value === "true" || value === "false")) {
    return value === "true";
  }
  return value;
}

export class ContractValidator {
  private readonly doc: OpenApiDocument;
  private readonly components: Schema;
  private readonly routes: Array<{
    method: string;
    template: string;
    pattern: RegExp;
    names: string[];
  }>;

  constructor(document: OpenApiDocument) {
    this.doc = rebaseReferences(document);
    this.components = { $id: COMPONENTS_ID, $defs: this.doc.components?.schemas ?? {} };
    this.routes = Object.keys(this.doc.paths).flatMap((template) =>
      HTTP_METHODS.filter((m) => this.doc.paths[template]?.[m]).map((method) => ({
        method,
        template,
        pattern: pathPattern(template),
        names: [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string),
      })),
    );
  }

  /** Every operation in the document, as `METHOD /path`. */
  operations(): string[] {
    return this.routes.map((r) => `${r.method.toUpperCase()} ${r.template}`);
  }

  /** One validator per schema object: adding the components dereferences all of them. */
  private readonly validators = new WeakMap<object, Validator>();

  private check(schema: Schema | undefined, value: unknown, where: string): string[] {
    if (!schema) return [];
    let validator = this.validators.get(schema as object);
    if (!validator) {
      validator = new Validator(schema, "2020-12", false);
      validator.addSchema(this.components);
      this.validators.set(schema as object, validator);
    }
    const result = validator.validate(value);
    if (result.valid) return [];
    // The deepest errors say what is wrong; the rest repeat them up the tree.
    const leaves = result.errors.filter(
      (e) =>
        !result.errors.some(
          (o) => o !== e && o.keywordLocation.startsWith(`${e.keywordLocation}/`),
        ),
    );
    return leaves.map((e) => `${where}${e.instanceLocation.slice(1)}: ${e.error}`);
  }

  /** Matches the exchange to an operation and checks both sides against it. */
  verdict(exchange: Exchange): ContractVerdict {
    const url = new URL(exchange.url, "https://api.test");
    const method = exchange.method.toLowerCase();
    // A concrete path wins over a template (`/runs/latest` before `/runs/{id}`).
    const candidates = this.routes
      .filter((r) => r.method === method && r.pattern.test(url.pathname))
      .sort((a, b) => a.names.length - b.names.length);
    const route = candidates[0];
    if (!route) {
      return {
        operation: `${method.toUpperCase()} ${url.pathname}`,
        requestErrors: ["no operation in the document matches this method and path"],
        responseErrors: [],
      };
    }
    const operation = this.doc.paths[route.template]?.[route.method] as OperationObject;
    const pathValues = route.pattern.exec(url.pathname)?.slice(1) ?? [];
    const name = operation.operationId ?? `${method.toUpperCase()} ${route.template}`;
    return {
      operation: name,
      requestErrors: this.requestErrors(operation, exchange, url, route.names, pathValues),
      responseErrors: this.responseErrors(operation, exchange),
    };
  }

  private requestErrors(
    operation: OperationObject,
    exchange: Exchange,
    url: URL,
    pathNames: string[],
    pathValues: string[],
  ): string[] {
    const errors: string[] = [];
    const headers = Object.fromEntries(
      Object.entries(exchange.requestHeaders).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const documented = new Set<string>();
    for (const parameter of operation.parameters ?? []) {
      documented.add(`${parameter.in}:${parameter.name.toLowerCase()}`);
      let raw: string | null | undefined;
      if (parameter.in === "path") raw = pathValues[pathNames.indexOf(parameter.name)];
      if (parameter.in === "query") raw = url.searchParams.get(parameter.name);
      if (parameter.in === "header") raw = headers[parameter.name.toLowerCase()];
      if (raw === undefined || raw === null) {
        if (parameter.required) errors.push(`${parameter.in} ${parameter.name}: required, missing`);
        continue;
      }
      const where = `${parameter.in} ${parameter.name}`;
      errors.push(...this.check(parameter.schema, coerce(raw, parameter.schema), where));
    }
    for (const key of url.searchParams.keys()) {
      if (!documented.has(`query:${key.toLowerCase()}`))
        errors.push(`query ${key}: not documented`);
    }
    const body = exchange.requestBody;
    if (body === undefined) {
      if (operation.requestBody?.required) errors.push("body: required, missing");
    } else {
      const mediaType = (headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
      const declared = operation.requestBody?.content?.[mediaType];
      if (!operation.requestBody) errors.push("body: the operation takes no body");
      else if (!declared)
        errors.push(`body: content-type ${mediaType || "(none)"} is not accepted`);
      else errors.push(...this.check(declared.schema, body, "body"));
    }
    return errors;
  }

  private responseErrors(operation: OperationObject, exchange: Exchange): string[] {
    const responses = operation.responses ?? {};
    const key = [String(exchange.status), `${String(exchange.status)[0]}XX`, "default"].find(
      (k) => responses[k] !== undefined,
    );
    if (!key) return [`status ${exchange.status} is not documented`];
    const content = responses[key]?.content;
    if (!content) {
      return exchange.responseBody === undefined || exchange.responseBody === ""
        ? []
        : [`status ${exchange.status}: the document declares no body, one was sent`];
    }
    const mediaType = (exchange.contentType ?? "").split(";")[0]?.trim() ?? "";
    const declared = content[mediaType];
    if (!declared) {
      return [
        `status ${exchange.status}: content-type ${mediaType || "(none)"} is not documented (${Object.keys(content).join(", ")})`,
      ];
    }
    return this.check(declared.schema, exchange.responseBody, `response ${exchange.status} `);
  }
}
