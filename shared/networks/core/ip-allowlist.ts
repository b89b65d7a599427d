import { z } from "zod";
import { parseRange } from "./ip-match";

export { ipAllowed } from "./ip-match";

/** One allowlist entry as an operator writes it; validated so a typo fails at save time. */
export const IpRangeSchema = z
  .string()
  .max(64)
  .refine((text) => parseRange(text) !== null, "must be an IPv4/IPv6 address or CIDR range")
  .describe("an IP address or CIDR range, such as 203.0.113.0/24 or 2001:db8::/32");

export const IpAllowlistSchema = z.array(IpRangeSchema).max(256);
