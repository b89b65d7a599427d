import type { z } from "zod";
import { AdmitadOptionsSchema } from "#shared/networks/admitad/options";
import { CjOptionsSchema } from "#shared/networks/cj/options";
import type { NetworkFormat } from "#shared/networks/formats";
import { GenericOptionsSchema } from "#shared/networks/generic-options";
import { ImpactOptionsSchema } from "#shared/networks/impact/options";
import { TemplateMappingSchema } from "#shared/networks/template-mapping";

/**
 * Each network format's options schema (zod classic), as the api validates a network's
 * `options` when it is saved (network-options.ts). Here, not on the adapters: the postback
 * worker reads the same options through zod/mini twins (shared/networks/options-mini.ts,
 * template-mapping-mini.ts; each held equal to its schema here by fast-check) and so never
 * bundles zod classic (docs/benchmarks.md "Bundle sizes"). A `Record` over `NetworkFormat`,
 * so a new format does not compile until it has a schema.
 */
export const NETWORK_OPTION_SCHEMAS: Readonly<Record<NetworkFormat, z.ZodType<object>>> = {
  generic: GenericOptionsSchema,
  admitad: AdmitadOptionsSchema,
  impact: ImpactOptionsSchema,
  cj: CjOptionsSchema,
  template: TemplateMappingSchema,
};

/**
 * The options schema of a format, or null for a format Boomerang does not know.
 *
 * @example
 * optionsSchemaFor("cj")?.safeParse({ publisherId: "123" }).success // true
 */
export function optionsSchemaFor(format: string): z.ZodType<object> | null {
  return Object.hasOwn(NETWORK_OPTION_SCHEMAS, format)
    ? NETWORK_OPTION_SCHEMAS[format as NetworkFormat]
    : null;
}
