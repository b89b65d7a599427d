import { createRoute } from "@hono/zod-openapi";
import { AppError } from "#shared/http/errors";
import { NOTIFICATION_TYPES, type NotificationType } from "#shared/notify/catalog";
import { renderTemplate } from "#shared/notify/render";
import {
  BUILT_IN_TEMPLATE_LOCALE,
  sampleVars,
  TemplateBook,
  templateProblems,
} from "#shared/notify/template-lookup";
import { DEFAULT_TEMPLATES, type NotificationTemplate } from "#shared/notify/templates";
import { normalizeLocale } from "#shared/referrals/reason-locale";
import { isValidTimeZone } from "#shared/rules/local-time";
import { toIso } from "../../http/common-schemas";
import { featureApp } from "../../http/feature-app";
import {
  ADMIN_SECURITY,
  jsonBody,
  problemResponses,
  UNPROCESSABLE_RESPONSE,
} from "../../http/responses";
import {
  PreviewInputSchema,
  PreviewSchema,
  TemplateInputSchema,
  TemplateSchema,
  TemplateTypeListSchema,
  TemplateTypeSchema,
  TypeLocaleParamSchema,
  TypeParamSchema,
} from "./templates-schemas";
import {
  deleteTemplate,
  listTemplates,
  putTemplate,
  readTemplate,
  type TemplateRow,
} from "./templates-store";

/**
 * Operator notification templates per type × locale (docs/notifications.md, "Templates"):
 * list the types with their variables, read, save (validated: only the type's variables), delete
 * (back to the fallback chain), and preview with sample values. Mounted under `/admin/v1`;
 * writes are recorded by the admin audit log like every admin write.
 */

const tags = ["notifications"];
const security = ADMIN_SECURITY;
const BASE = "/notifications/templates";

const listRoute = createRoute({
  method: "get",
  path: BASE,
  operationId: "listNotificationTemplates",
  tags,
  security,
  summary: "Every notification type with its category, variables and the locales it has",
  responses: { 200: jsonBody(TemplateTypeListSchema), ...problemResponses },
});

const getTypeRoute = createRoute({
  method: "get",
  path: `${BASE}/{type}`,
  operationId: "getNotificationTemplateType",
  tags,
  security,
  summary: "One notification type with its built-in template and every operator template",
  request: { params: TypeParamSchema },
  responses: { 200: jsonBody(TemplateTypeSchema), ...problemResponses },
});

const getRoute = createRoute({
  method: "get",
  path: `${BASE}/{type}/{locale}`,
  operationId: "getNotificationTemplate",
  tags,
  security,
  summary: "The operator's template for one type and locale (404 when none is saved)",
  request: { params: TypeLocaleParamSchema },
  responses: { 200: jsonBody(TemplateSchema), ...problemResponses },
});

const putRoute = createRoute({
  method: "put",
  path: `${BASE}/{type}/{locale}`,
  operationId: "putNotificationTemplate",
  tags,
  security,
  summary: "Save the template for one type and locale",
  description:
    "Replaces the (type, locale) template. `{{name}}` placeholders may name only the type's " +
    "variables: any other is refused with 422 `unknown_template_variables`, each field's " +
    "unknown names listed at its path (`body`), and nothing is saved — a message never goes " +
    "out with a blank where a variable should be. 400 for an empty title or body, a text " +
    "over its limit, a `{{` that is not a placeholder, or a locale that is not BCP 47. " +
    "Consumers pick the change up on their next batch (within about a minute elsewhere).",
  request: {
    params: TypeLocaleParamSchema,
    body: { content: { "application/json": { schema: TemplateInputSchema } }, required: true },
  },
  responses: {
    200: jsonBody(TemplateSchema, "saved"),
    ...problemResponses,
    ...UNPROCESSABLE_RESPONSE,
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: `${BASE}/{type}/{locale}`,
  operationId: "deleteNotificationTemplate",
  tags,
  security,
  summary: "Remove one template: messages fall back to the language, default locale or built-in",
  request: { params: TypeLocaleParamSchema },
  responses: { 204: { description: "removed" }, ...problemResponses },
});

const previewRoute = createRoute({
  method: "post",
  path: `${BASE}/preview`,
  operationId: "runNotificationTemplatePreview",
  tags,
  security,
  summary: "Render a template (unsaved, or the one a message would use) with sample values",
  description:
    "Sample values come from each variable's kind: money 1,234.56 in `currency`, numbers " +
    "1,250, dates 29 March 2026 00:45 UTC shown in `timeZone`, texts their own name in " +
    "brackets. Without `template`, renders what a message to `locale` would use today (its " +
    "fallback chain). An unsaved template is validated as a save is (422 for unknown " +
    "variables). Changes nothing; any role may call it.",
  request: {
    body: { content: { "application/json": { schema: PreviewInputSchema } }, required: true },
  },
  responses: { 200: jsonBody(PreviewSchema), ...problemResponses, ...UNPROCESSABLE_RESPONSE },
});

function typeOf(raw: string): NotificationType {
  if (!Object.hasOwn(NOTIFICATION_TYPES, raw)) {
    throw new AppError("not_found", `no notification type ${raw}`);
  }
  return raw as NotificationType;
}

function localeOf(raw: string): string {
  const locale = normalizeLocale(raw);
  if (locale === null) {
    throw new AppError("validation_failed", "not a locale templates are stored in", [
      { path: "locale", message: "a BCP 47 tag: language, optional script and region (hi-IN)" },
    ]);
  }
  return locale;
}

/** The template as sent: an empty or absent url is none. */
function textOf(input: { title: string; body: string; url?: string | null | undefined }) {
  const url = input.url?.trim();
  return {
    title: input.title,
    body: input.body,
    ...(url ? { url } : {}),
  } satisfies NotificationTemplate;
}

/** Refuses a template that cannot be saved: 400 for its shape, 422 for unknown variables. */
function assertSavable(type: NotificationType, template: NotificationTemplate): void {
  const { unknown, invalid } = templateProblems(type, template);
  if (invalid.length > 0) {
    throw new AppError("validation_failed", "the template cannot be saved", invalid);
  }
  if (unknown.length > 0) {
    throw new AppError(
      "unknown_template_variables",
      `the template uses variables ${type} does not have; nothing was saved`,
      unknown,
    );
  }
}

const templateView = (r: TemplateRow) => ({
  type: r.type,
  locale: r.locale,
  title: r.title,
  body: r.body,
  url: r.url ?? null,
  updatedAt: toIso(r.updatedAtMs),
  updatedBy: r.updatedBy,
});

function typeSummary(type: NotificationType, rows: readonly TemplateRow[]) {
  const spec = NOTIFICATION_TYPES[type];
  const builtin = DEFAULT_TEMPLATES[type];
  return {
    type,
    category: spec.category,
    description: spec.description,
    variables: Object.entries(spec.variables).map(([name, kind]) => ({ name, kind })),
    builtin: { title: builtin.title, body: builtin.body, url: builtin.url ?? null },
    locales: rows
      .filter((r) => r.type === type)
      .map((r) => ({ locale: r.locale, updatedAt: toIso(r.updatedAtMs), updatedBy: r.updatedBy })),
  };
}

export const notificationTemplateAdminRoutes = featureApp()
  .openapi(listRoute, async (c) => {
    const rows = await listTemplates(c.env.DB);
    const types = Object.keys(NOTIFICATION_TYPES) as NotificationType[];
    return c.json({ items: types.map((type) => typeSummary(type, rows)) }, 200);
  })
  .openapi(getTypeRoute, async (c) => {
    const type = typeOf(c.req.valid("param").type);
    const rows = await listTemplates(c.env.DB, type);
    return c.json({ ...typeSummary(type, rows), templates: rows.map(templateView) }, 200);
  })
  .openapi(getRoute, async (c) => {
    const param = c.req.valid("param");
    const type = typeOf(param.type);
    const row = await readTemplate(c.env.DB, type, localeOf(param.locale));
    if (!row) throw new AppError("not_found", "no template saved for this type and locale");
    return c.json(templateView(row), 200);
  })
  .openapi(putRoute, async (c) => {
    const param = c.req.valid("param");
    const type = typeOf(param.type);
    const locale = localeOf(param.locale);
    const template = textOf(c.req.valid("json"));
    assertSavable(type, template);
    const row: TemplateRow = {
      type,
      locale,
      ...template,
      updatedAtMs: Date.now(),
      updatedBy: c.get("admin").name,
    };
    await putTemplate(c.env, row);
    return c.json(templateView(row), 200);
  })
  .openapi(deleteRoute, async (c) => {
    const param = c.req.valid("param");
    const type = typeOf(param.type);
    if (!(await deleteTemplate(c.env, type, localeOf(param.locale)))) {
      throw new AppError("not_found", "no template saved for this type and locale");
    }
    return c.body(null, 204);
  })
  .openapi(previewRoute, async (c) => {
    const input = c.req.valid("json");
    const type = typeOf(input.type);
    const locale = localeOf(input.locale);
    if (!isValidTimeZone(input.timeZone)) {
      throw new AppError("validation_failed", "unknown time zone", [
        { path: "timeZone", message: `unknown IANA time zone "${input.timeZone}"` },
      ]);
    }
    const sample = sampleVars(type, input.currency);
    let source: "draft" | "operator" | "builtin";
    let templateLocale: string;
    let rendered: { title: string; body: string; url?: string };
    if (input.template) {
      const draft = textOf(input.template);
      assertSavable(type, draft);
      source = "draft";
      templateLocale = locale;
      rendered = renderTemplate(type, draft, sample, locale, input.timeZone);
    } else {
      const book = new TemplateBook(await listTemplates(c.env.DB, type), BUILT_IN_TEMPLATE_LOCALE);
      const chosen = book.templateFor(type, locale);
      source = chosen.source;
      templateLocale = chosen.locale;
      rendered = book.render(type, sample, locale, input.timeZone);
    }
    return c.json(
      {
        type,
        locale,
        timeZone: input.timeZone,
        source,
        templateLocale,
        sample,
        rendered: { title: rendered.title, body: rendered.body, url: rendered.url ?? null },
      },
      200,
    );
  });
