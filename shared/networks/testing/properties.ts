import fc from "fast-check";
import { expect } from "vitest";
import type { ReportParse } from "../core/report-page";
import type { NetworkAdapter, NetworkSettings, ReportPage } from "../types";
import { hostileJson, hostileQuery, hostileString, sourceIp } from "./arbitraries";
import { expectValidConversion, expectWellFormedParse, getRequest, SECRET } from "./fixtures";

/**
 * Properties the adapters' property tests share, written once so each test file states only
 * what is particular to its network (parameter names, report shape). Test-only.
 */

/**
 * A token-authenticated parameter adapter (Admitad, CJ, impact.com; core/token-postback.ts)
 * as the postback properties below need it.
 */
export interface TokenPostbackCase {
  adapter: NetworkAdapter;
  /** Settings whose postback secret is `SECRET` and that allow the fixtures' source IPs. */
  settings: NetworkSettings;
  /** The parameters of a plausible postback, without the token. */
  goodParams: fc.Arbitrary<Record<string, string>>;
  /** The network's real parameter names, so hostile values reach the parser. */
  names: readonly string[];
}

/** A token that is not `SECRET`, or none (null). */
export const wrongToken: fc.Arbitrary<string | null> = fc.option(
  hostileString.filter((t) => t !== SECRET),
);

/**
 * Hostile or plausible parameters, sometimes followed by a second plausible set, always with
 * the valid token: the parse never throws, every ok conversion is valid, and some are ok.
 */
export async function expectHostileQueriesWellFormed(c: TokenPostbackCase): Promise<void> {
  let okCount = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        c.goodParams.map((p) => new URLSearchParams(p).toString()),
        hostileQuery(c.names),
      ),
      fc.oneof(
        c.goodParams.map((p) => new URLSearchParams(p).toString()),
        fc.constant(""),
      ),
      sourceIp,
      async (query, extra, ip) => {
        const qs = [query, extra, `token=${SECRET}`].filter(Boolean).join("&");
        const result = await c.adapter.parsePostback(getRequest(qs, { sourceIp: ip }), c.settings);
        expectWellFormedParse(result);
        if (result.ok) okCount++;
      },
    ),
    { numRuns: 300 },
  );
  expect(okCount).toBeGreaterThan(0);
}

/** Plausible parameters with a wrong or missing token never parse ok. */
export async function expectWrongTokenRefused(c: TokenPostbackCase): Promise<void> {
  await fc.assert(
    fc.asyncProperty(c.goodParams, wrongToken, async (p, token) => {
      const request = getRequest(token === null ? p : { ...p, token });
      expect((await c.adapter.parsePostback(request, c.settings)).ok).toBe(false);
    }),
    { numRuns: 200 },
  );
}

/**
 * Any JSON, or a body of the report's shape (`body`, typically with `mixedRecord` rows), parses
 * to a value and never throws; an ok page holds only valid conversions, and passes `checkPage`
 * when the network promises more.
 */
export function expectReportParseTotal(
  body: fc.Arbitrary<unknown>,
  parse: (json: unknown) => ReportParse,
  checkPage: (page: ReportPage) => void = () => {},
): void {
  fc.assert(
    fc.property(fc.oneof(hostileJson, body), (json) => {
      const parsed = parse(json);
      if (parsed.ok) {
        for (const c of parsed.page.conversions) expectValidConversion(c);
        checkPage(parsed.page);
      } else {
        expect(typeof parsed.reason).toBe("string");
      }
    }),
    { numRuns: 400 },
  );
}
