import {
  COMMON_NETWORK_OPTION_NAMES,
  CommonNetworkOptionsSchema,
} from "#shared/networks/core/common-options";
import { placesSubIdItself } from "#shared/networks/tracking-urls";
import { optionsSchemaFor } from "./network-option-schemas";

/**
 * What a network's `options` and tracking template must be for its format, checked when the
 * network is saved: each format's own options schema (network-option-schemas.ts; the adapter
 * reads the same options through a zod/mini twin held equal to it), plus the options
 * Boomerang reads for every format. A bad option is a 400 naming `options.<path>`; nothing is stored.
 */

/**
 * Options every format accepts beside its adapter's own (shared/networks/core/common-options.ts:
 * merchant sync's `feedUrl` and `maxFeedRateBps`, the `confirmationPolicy`), checked by their
 * own schema.
 */
export const COMMON_NETWORK_OPTIONS: ReadonlySet<string> = COMMON_NETWORK_OPTION_NAMES;

export interface OptionIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Every problem with a network's format-dependent fields, as issues on the request body:
 * an option the format does not have, an option its adapter's schema refuses (a template
 * mapping whose signature leaves a field unsigned is one), a token format with neither a
 * token nor an IP allowlist, and a tracking template without
 * `{subid}` for a format that does not place the sub-ID itself. Empty when all is well.
 *
 * @example
 * networkFormatIssues({ postbackFormat: "impact", trackingTemplate, options: { accountSid: "IR-1" } })
 * // [{ path: ["options", "accountSid"], message: "Invalid string: must match pattern …" }]
 */
export function networkFormatIssues(input: {
  postbackFormat: string;
  trackingTemplate: string;
  options: Record<string, unknown>;
}): OptionIssue[] {
  const issues: OptionIssue[] = [];
  if (!placesSubIdItself(input.postbackFormat) && !input.trackingTemplate.includes("{subid}")) {
    issues.push({
      path: ["trackingTemplate"],
      message: "the tracking template must contain {subid}",
    });
  }
  const optionsSchema = optionsSchemaFor(input.postbackFormat);
  if (!optionsSchema) {
    return [...issues, { path: ["postbackFormat"], message: "unknown network format" }];
  }
  const common = CommonNetworkOptionsSchema.safeParse(
    Object.fromEntries(
      Object.entries(input.options).filter(([key]) => COMMON_NETWORK_OPTIONS.has(key)),
    ),
  );
  if (!common.success) {
    for (const issue of common.error.issues) {
      issues.push({ path: ["options", ...issue.path.map(pathPart)], message: issue.message });
    }
  }
  const own = Object.fromEntries(
    Object.entries(input.options).filter(([key]) => !COMMON_NETWORK_OPTIONS.has(key)),
  );
  const known = optionNamesOf(optionsSchema);
  if (known) {
    for (const key of Object.keys(own)) {
      if (!known.has(key)) {
        issues.push({
          path: ["options", key],
          message: `not an option of the ${input.postbackFormat} format (its options: ${[...new Set([...known, ...COMMON_NETWORK_OPTIONS])].join(", ")})`,
        });
      }
    }
  }
  const parsed = optionsSchema.safeParse(own);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      // Unknown keys are named one by one above; zod's own issue names only the object.
      if (issue.code === "unrecognized_keys" && known) continue;
      issues.push({ path: ["options", ...issue.path.map(pathPart)], message: issue.message });
    }
    return issues;
  }
  // The token formats refuse every postback when neither a token nor an allowlist
  // authenticates it (core/auth.ts); say so now rather than at the first postback.
  const value = parsed.data as Record<string, unknown>;
  if (
    value.requireToken === false &&
    Array.isArray(value.ipAllowlist) &&
    value.ipAllowlist.length === 0
  ) {
    issues.push({
      path: ["options", "ipAllowlist"],
      message:
        "with requireToken false the IP allowlist is what authenticates postbacks: list the network's addresses",
    });
  }
  return issues;
}

/** The top-level option names of an object schema; null for a schema without a shape. */
function optionNamesOf(schema: unknown): Set<string> | null {
  const shape = (schema as { shape?: unknown }).shape;
  return typeof shape === "object" && shape !== null ? new Set(Object.keys(shape)) : null;
}

function pathPart(part: PropertyKey): string | number {
  return typeof part === "number" ? part : String(part);
}
