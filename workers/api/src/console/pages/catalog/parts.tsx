import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { ProblemBody, ProblemField } from "#shared/http/errors";
import type { ApiResult } from "../../admin-api";
import type { ConsoleContext } from "../../context";
import { EmptyState, Field, ProblemNotice } from "../../views/components";
import { Csrf, Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";

/** What the four catalog pages share: tabs, filters, form controls and the save flow. */

export const CATALOG_BASE = "/console/catalog";

const TABS = [
  { key: "networks", label: "Networks" },
  { key: "merchants", label: "Merchants" },
  { key: "offers", label: "Offers" },
  { key: "campaigns", label: "Campaigns" },
] as const;

export type CatalogTab = (typeof TABS)[number]["key"];

/** The catalog's own section links, under the page title. */
export function CatalogTabs({ current }: { current: CatalogTab }) {
  return (
    <nav class="tabs" aria-label="Catalog sections">
      {TABS.map((t) => (
        <a href={`${CATALOG_BASE}/${t.key}`} aria-current={t.key === current ? "page" : undefined}>
          {t.label}
        </a>
      ))}
    </nav>
  );
}

/** A form as it came back: the values typed (re-shown) and the problem the API gave. */
export interface FormState {
  problem?: ProblemBody | undefined;
  values?: Record<string, string> | undefined;
}

export type PageStatus = 200 | 400 | 403 | 404 | 409;

/** The status a page answers with after a failed call: the API's, when it is one of ours. */
export function pageStatus(status: number): PageStatus {
  return ([400, 403, 404, 409] as const).find((s) => s === status) ?? 400;
}

/**
 * The API's messages for one form field: every error whose path is `apiPath` or inside it
 * (a JSON field's "cashback.categoryRates.books" shows beside the category rates, naming
 * "books"). Undefined when there is none.
 *
 * @example
 * errorAt(problem, "cashback.categoryRates") // "books: rate in basis points…"
 */
export function errorAt(
  problem: ProblemBody | null | undefined,
  ...apiPaths: string[]
): string | undefined {
  const messages: string[] = [];
  for (const e of problem?.errors ?? []) {
    for (const path of apiPaths) {
      if (e.path === path) messages.push(e.message);
      else if (e.path.startsWith(`${path}.`)) {
        messages.push(`${e.path.slice(path.length + 1)}: ${e.message}`);
      }
    }
  }
  return messages.length > 0 ? messages.join("; ") : undefined;
}

/** A problem made here, for what cannot even be sent (a rate that is not a number, bad JSON). */
export function formProblem(errors: ProblemField[]): ProblemBody {
  return {
    type: "about:blank",
    title: "The form has errors",
    status: 400,
    code: "validation_failed",
    detail: "fix the fields marked below and save again",
    errors,
  };
}

/** The form's text fields (files and repeated fields are not ours). */
export function formText(body: Record<string, unknown>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") values[k] = v;
  return values;
}

const fieldId = (name: string) => `f-${name.replace(/[^a-zA-Z0-9_-]/g, "-")}`;

function HintAndError({ id, hint, error }: { id: string; hint?: string; error?: string }) {
  return (
    <>
      {hint ? (
        <div class="hint" id={`${id}-hint`}>
          {hint}
        </div>
      ) : null}
      {error ? (
        <div class="error" id={`${id}-error`}>
          {error}
        </div>
      ) : null}
    </>
  );
}

const describedBy = (id: string, hint?: string, error?: string) =>
  [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;

/** A labelled textarea (descriptions, the JSON of the advanced parts) with its inline error. */
export function TextArea(props: {
  name: string;
  label: string;
  value?: string | undefined;
  hint?: string;
  error?: string | undefined;
  rows?: number;
  code?: boolean;
}) {
  const id = fieldId(props.name);
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <textarea
        id={id}
        name={props.name}
        rows={props.rows ?? 4}
        class={props.code ? "code" : undefined}
        spellcheck={props.code ? false : undefined}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={describedBy(id, props.hint, props.error)}
      >
        {props.value ?? ""}
      </textarea>
      <HintAndError id={id} hint={props.hint} error={props.error} />
    </div>
  );
}

/** A labelled select with its inline error. */
export function Select(props: {
  name: string;
  label: string;
  options: readonly (string | { value: string; label: string })[];
  value?: string | undefined;
  hint?: string;
  error?: string | undefined;
}) {
  const id = fieldId(props.name);
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select
        id={id}
        name={props.name}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={describedBy(id, props.hint, props.error)}
      >
        {props.options.map((o) => {
          const { value, label } = typeof o === "string" ? { value: o, label: o } : o;
          return (
            <option value={value} selected={value === (props.value ?? "")}>
              {label}
            </option>
          );
        })}
      </select>
      <HintAndError id={id} hint={props.hint} error={props.error} />
    </div>
  );
}

/** A checkbox; an unchecked box sends nothing, so "absent" reads as false. */
export function Checkbox(props: {
  name: string;
  label: string;
  checked: boolean;
  hint?: string;
  error?: string | undefined;
}) {
  const id = fieldId(props.name);
  return (
    <div class="field check">
      <input
        id={id}
        type="checkbox"
        name={props.name}
        value="on"
        checked={props.checked}
        aria-describedby={describedBy(id, props.hint, props.error)}
      />
      <label for={id}>{props.label}</label>
      <HintAndError id={id} hint={props.hint} error={props.error} />
    </div>
  );
}

/**
 * The filter form of a list: `q`, active, and the entity's own fields (children). A plain
 * GET form; htmx swaps the page in place and keeps the URL.
 */
export function FilterForm(props: {
  action: string;
  q: string | undefined;
  qLabel: string;
  active: string | undefined;
  children?: Child;
}) {
  return (
    <form
      method="get"
      action={props.action}
      class="filters"
      hx-get={props.action}
      hx-target="body"
      hx-push-url="true"
    >
      <div class="field">
        <label for="q">{props.qLabel}</label>
        <input id="q" name="q" type="search" value={props.q ?? ""} />
      </div>
      <div class="field">
        <label for="active">State</label>
        <select id="active" name="active">
          <option value="" selected={!props.active}>
            any
          </option>
          <option value="true" selected={props.active === "true"}>
            active
          </option>
          <option value="false" selected={props.active === "false"}>
            inactive
          </option>
        </select>
      </div>
      {props.children}
      <div class="field">
        <button type="submit">Filter</button>
      </div>
    </form>
  );
}

/** A list's problem, or its empty state, or the table. */
export function ListBody<T>(props: {
  list: ApiResult<{ items: T[] }>;
  empty: string;
  children: (items: T[]) => Child;
}) {
  if (!props.list.ok) return <ProblemNotice problem={props.list.problem} />;
  if (props.list.data.items.length === 0) return <EmptyState>{props.empty}</EmptyState>;
  return <>{props.children(props.list.data.items)}</>;
}

/** The list's query parameters, as the Pager keeps them. */
export function listQuery(c: Context<ConsoleContext>, keys: readonly string[]) {
  const query: Record<string, string | undefined> = {};
  for (const key of keys) query[key] = c.req.query(key) || undefined;
  return query;
}

/** A page of rows, the size every catalog list page shows. */
export const CATALOG_PAGE_ROWS = 25;

/**
 * Saves one catalog entity through its PUT and answers: to the entity's page with a notice,
 * or back to the form with the API's problem and status. Creating refuses an id that is
 * taken (a PUT would replace it silently) with 409 beside the id.
 */
export async function saveEntity(
  c: Context<ConsoleContext>,
  save: {
    apiPath: string;
    id: string;
    body: unknown;
    creating: boolean;
    noun: string;
    pagePath: string;
    rerender: (state: FormState, status: PageStatus) => Response | Promise<Response>;
    values: Record<string, string>;
  },
) {
  const api = c.get("api");
  const path = `${save.apiPath}/${encodeURIComponent(save.id)}`;
  // Only for a role that may write: any other gets the API's own refusal below.
  if (save.creating && save.id !== "" && api.can("PUT", path)) {
    const existing = await api.get(path);
    if (existing.ok) {
      const problem: ProblemBody = {
        ...formProblem([{ path: "id", message: `a ${save.noun} with id ${save.id} exists` }]),
        title: "Conflict",
        status: 409,
        code: "conflict",
        detail: `a ${save.noun} with id ${save.id} already exists; open it to edit it`,
      };
      return save.rerender({ problem, values: save.values }, 409);
    }
  }
  const result = await api.send("PUT", path, save.body);
  if (result.ok) {
    const verb = save.creating ? "created" : "saved";
    const notice = `${save.noun[0]?.toUpperCase()}${save.noun.slice(1)} ${save.id} ${verb}.`;
    return c.redirect(`${save.pagePath}?notice=${encodeURIComponent(notice)}`, 303);
  }
  return save.rerender({ problem: result.problem, values: save.values }, pageStatus(result.status));
}

/** Notice for the forms a role may not use (the API refuses their posts anyway). */
export function ReadOnlyNote({ noun }: { noun: string }) {
  return (
    <p class="muted">Your role reads {noun}s; changing them needs the catalog or admin role.</p>
  );
}

type Rerender = (
  c: Context<ConsoleContext>,
  state: FormState,
  status: PageStatus,
) => Response | Promise<Response>;

/**
 * A create or edit form's POST: its values turned into the API body (`build`), what cannot
 * be sent shown beside its field (400), else the PUT through `saveEntity`. A role that may
 * not write goes straight to the API, which refuses it (403) and changes nothing.
 *
 * @example
 * .post("/", (c) => submitForm(c, { creating: true, apiPath, basePath, noun: "offer", build, newPage, detailPage }))
 */
export async function submitForm(
  c: Context<ConsoleContext>,
  form: {
    creating: boolean;
    apiPath: string;
    basePath: string;
    noun: string;
    build: (
      values: Record<string, string>,
      timeZone: string,
    ) => {
      body: Record<string, unknown>;
      errors: ProblemField[];
    };
    newPage: Rerender;
    detailPage: Rerender;
  },
) {
  const values = formText(await c.req.parseBody());
  const viewer = viewerOf(c);
  const typedId = (values.id ?? "").trim();
  const id = form.creating ? typedId : (c.req.param("id") ?? "");
  const built = form.build(values, viewer.timeZone);
  const errors = [...built.errors];
  if (form.creating && id === "") {
    errors.unshift({ path: "id", message: "choose an id: lowercase letters, digits, - and _" });
  }
  const rerender = (state: FormState, status: PageStatus) =>
    form.creating ? form.newPage(c, state, status) : form.detailPage(c, state, status);
  const canWrite = c.get("api").can("PUT", `${form.apiPath}/${id || "x"}`);
  if (errors.length > 0 && canWrite) {
    return rerender({ problem: formProblem(errors), values }, 400);
  }
  return saveEntity(c, {
    apiPath: form.apiPath,
    id: id || "-",
    body: built.body,
    creating: form.creating,
    noun: form.noun,
    pagePath: `${form.basePath}/${encodeURIComponent(id)}`,
    rerender,
    values,
  });
}

/**
 * The "new <entity>" page every catalog entity shares: its form for roles that may write
 * (`form` renders it with the values to show), else a read-only note and 403 (a problem from a
 * refused post keeps its own status).
 */
export function newEntityPage(
  c: Context<ConsoleContext>,
  props: {
    noun: string;
    tab: CatalogTab;
    apiPath: string;
    state: FormState;
    status: PageStatus;
    defaults: Record<string, string>;
    form: (state: FormState, csrfToken: string) => Child;
  },
) {
  const viewer = viewerOf(c);
  const canWrite = c.get("api").can("PUT", `${props.apiPath}/x`);
  const values = props.state.values ?? props.defaults;
  return c.html(
    <Page title={`New ${props.noun}`} current="catalog" viewer={viewer}>
      <CatalogTabs current={props.tab} />
      {canWrite ? (
        props.form({ ...props.state, values }, viewer.csrfToken)
      ) : (
        <>
          <ProblemNotice problem={props.state.problem} />
          <ReadOnlyNote noun={props.noun} />
        </>
      )}
    </Page>,
    canWrite || props.state.problem ? props.status : 403,
  );
}

/**
 * What every catalog form starts with: its CSRF token, the problem a refused save came back
 * with, and (when creating) the id, which cannot change once the entity exists.
 */
export function EntityFormHead(props: { creating: boolean; state: FormState; csrfToken: string }) {
  const p = props.state.problem;
  return (
    <>
      <Csrf token={props.csrfToken} />
      <ProblemNotice problem={p} />
      {props.creating ? (
        <Field
          name="id"
          label="Id"
          required
          value={props.state.values?.id}
          hint="lowercase letters, digits, - and _; it cannot change later"
          error={errorAt(p, "id")}
        />
      ) : null}
    </>
  );
}

/** An offer's or campaign's start and end, typed in the operator's time zone. */
export function ScheduleFields({ state }: { state: FormState }) {
  const v = state.values ?? {};
  return (
    <fieldset>
      <legend>Schedule (your time zone)</legend>
      <Field
        name="startsAt"
        label="Starts"
        type="datetime-local"
        value={v.startsAt}
        error={errorAt(state.problem, "startsAt")}
      />
      <Field
        name="endsAt"
        label="Ends"
        type="datetime-local"
        value={v.endsAt}
        error={errorAt(state.problem, "endsAt")}
      />
    </fieldset>
  );
}
