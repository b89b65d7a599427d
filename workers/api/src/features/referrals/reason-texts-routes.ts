import { createRoute } from "@hono/zod-openapi";
import { PENDING_REASONS, REFERRAL_REASONS } from "#durable-objects/wallet/index";
import { AppError } from "#shared/http/errors";
import { BUILT_IN_LOCALE, normalizeLocale } from "#shared/referrals/reason-locale";
import { toIso } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import { ADMIN_SECURITY, jsonBody, problemResponses } from "../../http/responses";
import {
  LocaleParamSchema,
  LocaleReasonTextsInputSchema,
  LocaleReasonTextsSchema,
  ReasonTextsCatalogSchema,
} from "./reason-texts-schemas";
import {
  listReasonTextLocales,
  readReasonTextBooks,
  replaceReasonTexts,
} from "./reason-texts-store";

/**
 * Translations of the referral reason texts (docs/referrals.md, "Reason texts"): the codes are
 * stable and their English texts live in the code (wallet referrals/reasons.ts); an operator
 * gives each locale its texts here, and `GET /v1/me/referrals` answers in the member's
 * language, code by code, falling back to English. Mounted under `/admin/v1`.
 */

const tags = ["referrals"];
const security = ADMIN_SECURITY;
/** The texts members read: each state's reason, and why a friend is still pending. */
const ENGLISH: Readonly<Record<string, string>> = { ...REFERRAL_REASONS, ...PENDING_REASONS };
const CODES: readonly string[] = Object.keys(ENGLISH);

const catalogRoute = createRoute({
  method: "get",
  path: "/referral-reason-texts",
  operationId: "listReferralReasonTexts",
  tags,
  security,
  summary: "Every referral reason code with its English text, and the locales translated",
  responses: { 200: jsonBody(ReasonTextsCatalogSchema), ...problemResponses },
});

const getLocaleRoute = createRoute({
  method: "get",
  path: "/referral-reason-texts/{locale}",
  operationId: "getReferralReasonTexts",
  tags,
  security,
  summary: "One locale's referral reason texts, and the codes it lacks",
  request: { params: LocaleParamSchema },
  responses: { 200: jsonBody(LocaleReasonTextsSchema), ...problemResponses },
});

const putLocaleRoute = createRoute({
  method: "put",
  path: "/referral-reason-texts/{locale}",
  operationId: "putReferralReasonTexts",
  tags,
  security,
  summary: "Replace one locale's referral reason texts",
  description:
    "The whole locale, replaced in one step: codes left out are shown in English, an empty " +
    "`texts` removes the locale. 400 for a locale that is not a BCP 47 tag (language, " +
    "optional script and region), for `en` (English is built in; `en-GB` may be given), or " +
    "for a code that is not a reason code (listed at `texts.<code>`). Members see the change " +
    "on their next `GET /v1/me/referrals`.",
  request: {
    params: LocaleParamSchema,
    body: {
      content: { "application/json": { schema: LocaleReasonTextsInputSchema } },
      required: true,
    },
  },
  responses: { 200: jsonBody(LocaleReasonTextsSchema, "the locale as saved"), ...problemResponses },
});

function localeOf(raw: string, writing: boolean): string {
  const locale = normalizeLocale(raw);
  if (locale === null) {
    throw new AppError("validation_failed", "not a locale this program stores", [
      { path: "locale", message: "a BCP 47 tag: language, optional script and region (pt-BR)" },
    ]);
  }
  if (writing && locale === BUILT_IN_LOCALE) {
    throw new AppError("validation_failed", "English is built in", [
      { path: "locale", message: "the English texts are the code's own; give en-GB, en-IN…" },
    ]);
  }
  return locale;
}

async function localeView(db: D1Database, locale: string) {
  const [book] = await readReasonTextBooks(db, [locale]);
  const texts = Object.fromEntries(book?.texts ?? []);
  return { locale, texts, missing: CODES.filter((code) => !(code in texts)) };
}

export const reasonTextAdminRoutes = featureApp()
  .openapi(catalogRoute, async (c) => {
    const locales = await listReasonTextLocales(c.env.DB);
    return c.json(
      {
        english: Object.entries(ENGLISH).map(([code, text]) => ({ code, text })),
        locales: locales.map((l) => ({
          locale: l.locale,
          translated: l.translated,
          missing: Math.max(0, CODES.length - l.translated),
          updatedAt: toIso(l.updatedAtMs),
        })),
      },
      200,
    );
  })
  .openapi(getLocaleRoute, async (c) =>
    c.json(await localeView(c.env.DB, localeOf(c.req.valid("param").locale, false)), 200),
  )
  .openapi(putLocaleRoute, async (c) => {
    const locale = localeOf(c.req.valid("param").locale, true);
    const { texts } = c.req.valid("json");
    const unknown = Object.keys(texts).filter((code) => !CODES.includes(code));
    if (unknown.length > 0) {
      throw new AppError(
        "validation_failed",
        "not a referral reason code; nothing was saved",
        unknown.map((code) => ({ path: `texts.${code}`, message: "unknown reason code" })),
      );
    }
    await replaceReasonTexts(c.env.DB, locale, new Map(Object.entries(texts)), {
      by: c.get("admin").name,
      nowMs: Date.now(),
    });
    return c.json(await localeView(c.env.DB, locale), 200);
  });
