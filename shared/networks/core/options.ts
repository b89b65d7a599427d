import { z } from "zod";
import { IpAllowlistSchema } from "./ip-allowlist";

/**
 * Options shared by the adapters that authenticate postbacks with a token parameter and/or an
 * IP allowlist (Admitad, Impact, CJ). Kept in one schema so the admin API validates all three
 * the same way.
 */
export const TokenAuthOptionsShape = {
  tokenParam: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/)
    .default("token")
    .describe("query/form parameter that carries the shared postback token"),
  requireToken: z
    .boolean()
    .default(true)
    .describe("false only when the IP allowlist alone authenticates (it must then be non-empty)"),
  ipAllowlist: IpAllowlistSchema.default([]).describe(
    "addresses or CIDR ranges postbacks may come from; empty means any",
  ),
};

export type OptionsRead<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Validates `settings.options` against an adapter's schema. A bad configuration is reported as
 * `misconfigured: <where>`, never thrown, and never treated as "no restriction".
 *
 * @example
 * const options = readOptions(AdmitadOptionsSchema, settings.options);
 * if (!options.ok) return { ok: false, kind: "auth", reason: options.reason };
 */
export function readOptions<T>(schema: z.ZodType<T>, options: unknown): OptionsRead<T> {
  const parsed = schema.safeParse(options ?? {});
  if (parsed.success) return { ok: true, value: parsed.data };
  const first = parsed.error.issues[0];
  const where = first ? first.path.map(String).join(".") || "(options)" : "(options)";
  return { ok: false, reason: `misconfigured: options.${where}: ${first?.message ?? "invalid"}` };
}
