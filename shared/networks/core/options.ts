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

export { type OptionsRead, readOptions } from "./read-options";
