import type { Context } from "hono";
import { Hono } from "hono";
import type { ProblemBody } from "#shared/http/errors";
import type { ConsoleContext } from "../../context";
import { Badge, DateTime, EmptyState, Field, Notice, ProblemNotice } from "../../views/components";
import { Csrf, Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { errorAt, formProblem, formText, TextArea } from "../catalog/parts";

/**
 * /console/notifications/templates (docs/notifications.md, "Templates"): every notification
 * type with its category and variables; a type's page shows the built-in template and the
 * operator's per locale, a form to write one (saved through
 * `PUT /admin/v1/notifications/templates/{type}/{locale}`, errors beside their fields, an
 * unknown variable refused with nothing saved) and a preview with sample values (htmx swaps
 * the rendered message in; without script the page comes back with it). Catalog and admin
 * save and delete; every role reads and previews.
 */

export const TEMPLATES_BASE = "/console/notifications/templates";
const API = "/admin/v1/notifications/templates";
const typeHref = (type: string, locale?: string) =>
  `${TEMPLATES_BASE}/${encodeURIComponent(type)}${locale ? `?locale=${encodeURIComponent(locale)}` : ""}`;
const templateApi = (type: string, locale: string) =>
  `${API}/${encodeURIComponent(type)}/${encodeURIComponent(locale)}`;

interface TypeSummary {
  type: string;
  category: string;
  description: string;
  variables: Array<{ name: string; kind: string }>;
  builtin: { title: string; body: string; url: string | null };
  locales: Array<{ locale: string; updatedAt: string; updatedBy: string }>;
}

interface TemplateView {
  type: string;
  locale: string;
  title: string;
  body: string;
  url: string | null;
  updatedAt: string;
  updatedBy: string;
}

interface TypeDetail extends TypeSummary {
  templates: TemplateView[];
}

interface Preview {
  locale: string;
  timeZone: string;
  source: "draft" | "operator" | "builtin";
  templateLocale: string;
  rendered: { title: string; body: string; url: string | null };
}

type PreviewResult = { preview: Preview } | { problem: ProblemBody } | null;

function Variables({ variables }: { variables: TypeSummary["variables"] }) {
  return (
    <>
      {variables.map((v, i) => (
        <>
          {i > 0 ? ", " : ""}
          <code>{`{{${v.name}}}`}</code> <span class="muted">{v.kind}</span>
        </>
      ))}
    </>
  );
}

/** GET /console/notifications/templates: the types, their category, variables and locales. */
async function listPage(c: Context<ConsoleContext>) {
  const viewer = viewerOf(c);
  const list = await c.get("api").get<{ items: TypeSummary[] }>(API);
  return c.html(
    <Page title="Notification templates" current="notifications" viewer={viewer}>
      <Notice text={c.req.query("notice")} />
      <p>
        <a href="/console/notifications/promotions">Promotional sends</a>
      </p>
      <p class="muted">
        Each notification type has a built-in English template. Write one per locale to replace it:
        a message uses the recipient's locale (<code>hi-IN</code>), else its language (
        <code>hi</code>), else the default locale, else the built-in template. A template may use
        only its type's variables. Deliveries that failed for good are under{" "}
        <a href="/console/notifications/dead-letters">Dead letters</a>.
      </p>
      {!list.ok ? (
        <ProblemNotice problem={list.problem} />
      ) : (
        <table id="template-types">
          <caption class="visually-hidden">Notification types</caption>
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Category</th>
              <th scope="col">Variables</th>
              <th scope="col">Locales written</th>
            </tr>
          </thead>
          <tbody>
            {list.data.items.map((t) => (
              <tr id={`type-${t.type}`}>
                <td>
                  <a href={typeHref(t.type)}>{t.type}</a>
                  <div class="muted">{t.description}</div>
                </td>
                <td>
                  <Badge status={t.category} />
                </td>
                <td>
                  <Variables variables={t.variables} />
                </td>
                <td>
                  {t.locales.length === 0 ? (
                    <span class="muted">built-in only</span>
                  ) : (
                    t.locales.map((l, i) => (
                      <>
                        {i > 0 ? ", " : ""}
                        <a href={typeHref(t.type, l.locale)}>{l.locale}</a>
                      </>
                    ))
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>,
  );
}

/** The rendered preview, or the problem that stopped it: what htmx swaps into #preview. */
function PreviewPanel({ result }: { result: PreviewResult }) {
  if (result === null) {
    return <p class="muted">Preview renders the form's template with sample values.</p>;
  }
  if ("problem" in result) {
    return (
      <div role="alert" class="problem">
        <strong>No preview: {result.problem.detail}</strong>
        <ul>
          {(result.problem.errors ?? []).map((e) => (
            <li>
              {e.path}: {e.message}
            </li>
          ))}
        </ul>
      </div>
    );
  }
  const { preview } = result;
  const from =
    preview.source === "draft"
      ? "the form (not saved)"
      : preview.source === "operator"
        ? `the saved ${preview.templateLocale} template`
        : "the built-in English template";
  return (
    <div class="preview">
      <p class="muted">
        A message to {preview.locale} in {preview.timeZone}, from {from}:
      </p>
      <dl class="facts" id="preview-message">
        <dt>Title</dt>
        <dd id="preview-title">{preview.rendered.title}</dd>
        <dt>Body</dt>
        <dd id="preview-body">{preview.rendered.body}</dd>
        {preview.rendered.url ? (
          <>
            <dt>Link</dt>
            <dd>{preview.rendered.url}</dd>
          </>
        ) : null}
      </dl>
    </div>
  );
}

interface FormState {
  values: Record<string, string>;
  problem?: ProblemBody | undefined;
}

async function runPreview(
  c: Context<ConsoleContext>,
  type: string,
  values: Record<string, string>,
  draft: boolean,
): Promise<PreviewResult> {
  const locale = (values.locale ?? "").trim();
  if (locale === "") return null;
  const body = {
    type,
    locale,
    timeZone: (values.timeZone ?? "").trim() || "UTC",
    currency: (values.currency ?? "").trim().toUpperCase() || "INR",
    ...(draft
      ? { template: { title: values.title ?? "", body: values.body ?? "", url: values.url ?? "" } }
      : {}),
  };
  const result = await c.get("api").send<Preview>("POST", `${API}/preview`, body);
  return result.ok ? { preview: result.data } : { problem: result.problem };
}

async function typePage(
  c: Context<ConsoleContext>,
  state: FormState | null,
  preview: PreviewResult,
  status: 200 | 400 | 403 | 404 | 422 = 200,
) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const type = c.req.param("type") ?? "";
  const detail = await api.get<TypeDetail>(`${API}/${encodeURIComponent(type)}`);
  if (!detail.ok) {
    return c.html(
      <Page title="Notification template" current="notifications" viewer={viewer}>
        <ProblemNotice problem={detail.problem} />
        <p>
          <a href={TEMPLATES_BASE}>All notification types</a>
        </p>
      </Page>,
      detail.status === 404 ? 404 : 400,
    );
  }
  const t = detail.data;
  const canWrite = api.can("PUT", templateApi(type, "en"));
  const wanted = c.req.query("locale")?.trim() ?? "";
  const saved = t.templates.find((s) => s.locale === wanted);
  const values = state?.values ?? {
    locale: wanted,
    title: saved?.title ?? t.builtin.title,
    body: saved?.body ?? t.builtin.body,
    url: saved?.url ?? t.builtin.url ?? "",
    timeZone: "UTC",
    currency: "INR",
  };
  const p = state?.problem;
  const action = typeHref(type);
  return c.html(
    <Page title={`Template: ${t.type}`} current="notifications" viewer={viewer}>
      <p>
        <a href={TEMPLATES_BASE}>All notification types</a>
      </p>
      <Notice text={c.req.query("notice")} />
      <dl class="facts">
        <dt>Category</dt>
        <dd>
          <Badge status={t.category} />
        </dd>
        <dt>What it says</dt>
        <dd>{t.description}</dd>
        <dt>Variables</dt>
        <dd id="type-variables">
          <Variables variables={t.variables} />
        </dd>
        <dt>Built-in (English)</dt>
        <dd>
          <strong>{t.builtin.title}</strong> — {t.builtin.body}
        </dd>
      </dl>
      <section class="panel" aria-labelledby="saved-h">
        <h2 id="saved-h">Written per locale</h2>
        {t.templates.length === 0 ? (
          <EmptyState>None yet: every message of this type uses the built-in template.</EmptyState>
        ) : (
          <table id="saved-templates">
            <caption class="visually-hidden">Templates written per locale</caption>
            <thead>
              <tr>
                <th scope="col">Locale</th>
                <th scope="col">Title</th>
                <th scope="col">Body</th>
                <th scope="col">Saved</th>
                {canWrite ? <th scope="col">Action</th> : null}
              </tr>
            </thead>
            <tbody>
              {t.templates.map((s) => (
                <tr id={`template-${s.locale}`}>
                  <td>
                    <a href={typeHref(type, s.locale)}>{s.locale}</a>
                  </td>
                  <td>{s.title}</td>
                  <td>{s.body}</td>
                  <td>
                    <DateTime at={s.updatedAt} timeZone={viewer.timeZone} />
                    <div class="muted">{s.updatedBy}</div>
                  </td>
                  {canWrite ? (
                    <td>
                      <form method="post" action={`${action}/delete`}>
                        <Csrf token={viewer.csrfToken} />
                        <input type="hidden" name="locale" value={s.locale} />
                        <button type="submit" class="secondary">
                          Delete {s.locale}
                        </button>
                      </form>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="panel" aria-labelledby="edit-h">
        <h2 id="edit-h">{canWrite ? "Write a template" : "Preview a template"}</h2>
        <form method="post" action={action} class="entity-form" id="template-form">
          <Csrf token={viewer.csrfToken} />
          <ProblemNotice problem={p} />
          <Field
            name="locale"
            label="Locale"
            required
            value={values.locale}
            hint="BCP 47, such as hi-IN or hi; saving replaces this locale's template"
            error={errorAt(p, "locale")}
          />
          <Field name="title" label="Title" value={values.title} error={errorAt(p, "title")} />
          <TextArea
            name="body"
            label="Body"
            rows={4}
            value={values.body}
            hint="{{variableName}} stands for one of the variables above"
            error={errorAt(p, "body")}
          />
          <Field
            name="url"
            label="Link"
            value={values.url}
            hint="optional: where a tap or click leads"
            error={errorAt(p, "url")}
          />
          <fieldset>
            <legend>Preview with</legend>
            <Field
              name="timeZone"
              label="Time zone"
              value={values.timeZone}
              hint="IANA, for sample dates"
            />
            <Field
              name="currency"
              label="Currency"
              value={values.currency}
              hint="for sample money"
            />
          </fieldset>
          {canWrite ? <button type="submit">Save template</button> : null}{" "}
          <button
            type="submit"
            class="secondary"
            formaction={`${action}/preview`}
            hx-post={`${action}/preview`}
            hx-target="#preview"
            hx-swap="innerHTML"
          >
            Preview
          </button>
        </form>
        <section aria-labelledby="preview-h" aria-live="polite">
          <h3 id="preview-h">Preview</h3>
          <div id="preview">
            <PreviewPanel result={preview} />
          </div>
        </section>
      </section>
    </Page>,
    status,
  );
}

/** GET …/:type: the type, its templates, and the preview of what `?locale=` uses today. */
async function showType(c: Context<ConsoleContext>) {
  const type = c.req.param("type") ?? "";
  const locale = c.req.query("locale")?.trim() ?? "";
  const preview = locale ? await runPreview(c, type, { locale }, false) : null;
  return typePage(c, null, preview);
}

/** POST …/:type: save the form's template; refused ones come back with the errors inline. */
async function saveTemplate(c: Context<ConsoleContext>) {
  const type = c.req.param("type") ?? "";
  const values = formText(await c.req.parseBody());
  const locale = (values.locale ?? "").trim();
  if (locale === "") {
    const problem = formProblem([{ path: "locale", message: "required" }]);
    return typePage(c, { values, problem }, null, 400);
  }
  const result = await c.get("api").send<TemplateView>("PUT", templateApi(type, locale), {
    title: values.title ?? "",
    body: values.body ?? "",
    url: values.url ?? "",
  });
  if (result.ok) {
    const notice = `Template saved for ${result.data.locale}.`;
    return c.redirect(
      `${typeHref(type, result.data.locale)}&notice=${encodeURIComponent(notice)}`,
      303,
    );
  }
  const status = ([400, 403, 404, 422] as const).find((s) => s === result.status) ?? 400;
  return typePage(c, { values, problem: result.problem }, null, status);
}

/** POST …/:type/preview: the preview panel alone for htmx, else the whole page with it. */
async function previewTemplate(c: Context<ConsoleContext>) {
  const type = c.req.param("type") ?? "";
  const values = formText(await c.req.parseBody());
  const preview = (await runPreview(c, type, values, true)) ?? {
    problem: formProblem([{ path: "locale", message: "give a locale to preview in" }]),
  };
  if (c.req.header("hx-request") && !c.req.header("hx-boosted")) {
    return c.html(<PreviewPanel result={preview} />);
  }
  return typePage(c, { values }, preview);
}

/** POST …/:type/delete: remove one locale's template. */
async function deleteTemplate(c: Context<ConsoleContext>) {
  const type = c.req.param("type") ?? "";
  const locale = (formText(await c.req.parseBody()).locale ?? "").trim();
  const result = await c.get("api").send("DELETE", templateApi(type, locale));
  if (result.ok) {
    const notice = `Template for ${locale} deleted: messages fall back.`;
    return c.redirect(`${typeHref(type)}?notice=${encodeURIComponent(notice)}`, 303);
  }
  return typePage(c, null, { problem: result.problem }, result.status === 403 ? 403 : 404);
}

/** /console/notifications/templates: the types, one type's templates, save, preview, delete. */
export const templatesRoutes = new Hono<ConsoleContext>()
  .get("/", listPage)
  .get("/:type", showType)
  .post("/:type", saveTemplate)
  .post("/:type/preview", previewTemplate)
  .post("/:type/delete", deleteTemplate);
