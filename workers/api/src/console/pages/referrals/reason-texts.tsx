import type { Context } from "hono";
import type { ProblemBody } from "#shared/http/errors";
import type { ConsoleContext } from "../../context";
import { DateTime, EmptyState, Notice, ProblemNotice } from "../../views/components";
import { Csrf, Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { errorAt, formText, pageStatus, TextArea } from "../catalog/parts";
import { REFERRALS_BASE, ReferralsTabs } from "./parts";
import { reasonTextsBody, reasonTextsValues, savedNotice, textField } from "./reason-texts-form";

/**
 * /console/referrals/reason-texts (docs/console.md, "Reason texts"): the translations of the
 * referral reason texts members read in `GET /v1/me/referrals`. The list of locales
 * (`GET /admin/v1/referral-reason-texts`), a locale's texts per reason code with the English
 * default beside each field (`GET/PUT /admin/v1/referral-reason-texts/{locale}`: the whole
 * locale replaced in one step; an empty field falls back to English; no text at all removes the
 * locale), and adding a locale. Catalog and admin may save; every role reads.
 */

export const REASON_TEXTS_BASE = `${REFERRALS_BASE}/reason-texts`;
const API = "/admin/v1/referral-reason-texts";
const localeApi = (locale: string) => `${API}/${encodeURIComponent(locale)}`;
const localeHref = (locale: string) => `${REASON_TEXTS_BASE}/${encodeURIComponent(locale)}`;

/** GET /admin/v1/referral-reason-texts (client/schema.d.ts has the contract). */
interface Catalog {
  english: Array<{ code: string; text: string }>;
  locales: Array<{ locale: string; translated: number; missing: number; updatedAt: string }>;
}

/** GET/PUT /admin/v1/referral-reason-texts/{locale}. */
interface LocaleTexts {
  locale: string;
  texts: Record<string, string>;
  missing: string[];
}

/** GET /console/referrals/reason-texts: the locales, and a form to add one (`?locale=`). */
export async function reasonTextsListPage(c: Context<ConsoleContext>) {
  const wanted = c.req.query("locale")?.trim();
  if (wanted) return c.redirect(localeHref(wanted), 303);
  const viewer = viewerOf(c);
  const api = c.get("api");
  const catalog = await api.get<Catalog>(API);
  const canSave = api.can("PUT", localeApi("pt-BR"));
  return c.html(
    <Page title="Referral reason texts" current="referrals" viewer={viewer}>
      <ReferralsTabs current="reason-texts" />
      <Notice text={c.req.query("notice")} />
      <p class="muted">
        Each referral state and each pending friend has a reason code with an English text. Members
        read them in their language (<code>?locale=</code> or their browser's Accept-Language) when
        a locale here has a text for the code, and in English otherwise.
      </p>
      {!catalog.ok ? (
        <ProblemNotice problem={catalog.problem} />
      ) : catalog.data.locales.length === 0 ? (
        <EmptyState>No locale is translated yet: every member reads English.</EmptyState>
      ) : (
        <table>
          <caption class="visually-hidden">Translated locales</caption>
          <thead>
            <tr>
              <th scope="col">Locale</th>
              <th scope="col">Translated</th>
              <th scope="col">Shown in English</th>
              <th scope="col">Last saved</th>
            </tr>
          </thead>
          <tbody>
            {catalog.data.locales.map((l) => (
              <tr>
                <td>
                  <a href={localeHref(l.locale)}>{l.locale}</a>
                </td>
                <td>{l.translated}</td>
                <td>{l.missing}</td>
                <td>
                  <DateTime at={l.updatedAt} timeZone={viewer.timeZone} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form class="filters" method="get" action={REASON_TEXTS_BASE}>
        <div class="field">
          <label for="f-locale">{canSave ? "Add or open a locale" : "Open a locale"}</label>
          <input
            id="f-locale"
            name="locale"
            required
            maxlength={35}
            aria-describedby="f-locale-hint"
          />
          <div class="hint" id="f-locale-hint">
            A BCP 47 tag: language, optional script and region (hi, pt-BR, zh-Hant-TW)
          </div>
        </div>
        <div class="field">
          <button type="submit">Open</button>
        </div>
      </form>
    </Page>,
    catalog.ok ? 200 : pageStatus(catalog.status),
  );
}

/**
 * GET /console/referrals/reason-texts/:locale, and a refused save with its problem and what
 * was typed: one field per reason code, the English text as each field's hint.
 */
export async function reasonTextsLocalePage(
  c: Context<ConsoleContext>,
  refused: { problem: ProblemBody; values: Record<string, string> } | null = null,
) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const raw = c.req.param("locale") ?? "";
  const [catalog, current] = await Promise.all([
    api.get<Catalog>(API),
    api.get<LocaleTexts>(localeApi(raw)),
  ]);
  // One address per locale: `pt-br` opens `pt-BR`.
  if (!refused && current.ok && current.data.locale !== raw) {
    return c.redirect(localeHref(current.data.locale), 303);
  }
  const locale = current.ok ? current.data.locale : raw;
  const canSave = current.ok && api.can("PUT", localeApi(locale));
  const values = refused?.values ?? (current.ok ? reasonTextsValues(current.data.texts) : {});
  const english = catalog.ok ? catalog.data.english : [];
  const status = refused
    ? pageStatus(refused.problem.status)
    : !current.ok
      ? pageStatus(current.status)
      : catalog.ok
        ? 200
        : pageStatus(catalog.status);
  const translated = current.ok ? Object.keys(current.data.texts).length : 0;
  return c.html(
    <Page title={`Reason texts: ${locale}`} current="referrals" viewer={viewer}>
      <ReferralsTabs current="reason-texts" />
      <Notice text={c.req.query("notice")} />
      {!current.ok ? <ProblemNotice problem={current.problem} /> : null}
      {!catalog.ok ? <ProblemNotice problem={catalog.problem} /> : null}
      {refused ? <ProblemNotice problem={refused.problem} /> : null}
      {current.ok ? (
        <p class="muted">
          {translated === 0
            ? `No text in ${locale} yet: members who ask for it read English.`
            : `${translated} of ${english.length} codes have a text in ${locale}; the others are shown in English.`}{" "}
          An empty field falls back to English; saving replaces the whole locale.
        </p>
      ) : null}
      {current.ok && canSave ? (
        <form method="post" action={localeHref(locale)} class="entity-form" id="reason-texts-form">
          <Csrf token={viewer.csrfToken} />
          {english.map((e) => (
            <TextArea
              name={textField(e.code)}
              label={e.code}
              value={values[textField(e.code)]}
              hint={`English: ${e.text}`}
              error={errorAt(refused?.problem, textField(e.code))}
              rows={2}
            />
          ))}
          <div class="actions">
            <button type="submit">Save texts</button>
          </div>
        </form>
      ) : current.ok ? (
        <table>
          <caption class="visually-hidden">Reason texts in {locale}</caption>
          <thead>
            <tr>
              <th scope="col">Code</th>
              <th scope="col">{locale}</th>
              <th scope="col">English</th>
            </tr>
          </thead>
          <tbody>
            {english.map((e) => (
              <tr>
                <td>
                  <code>{e.code}</code>
                </td>
                <td>{current.data.texts[e.code] ?? <span class="muted">(English)</span>}</td>
                <td>{e.text}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {current.ok && canSave && translated > 0 ? (
        <form method="post" action={`${localeHref(locale)}/remove`} class="decision">
          <Csrf token={viewer.csrfToken} />
          <button type="submit" class="danger">
            Remove {locale}
          </button>
        </form>
      ) : null}
      {current.ok && !canSave ? (
        <p class="muted">Changing the texts needs the catalog or admin role.</p>
      ) : null}
      <p>
        <a href={REASON_TEXTS_BASE}>All locales</a>
      </p>
    </Page>,
    status,
  );
}

/**
 * POST /console/referrals/reason-texts/:locale (save) and …/:locale/remove (no text left: the
 * locale is removed): the API replaces the locale; back with a notice, or the form again with
 * each problem beside its field.
 */
export async function saveReasonTexts(c: Context<ConsoleContext>, remove: boolean) {
  const locale = c.req.param("locale") ?? "";
  const api = c.get("api");
  const form = formText(await c.req.parseBody());
  let codes: string[] = [];
  if (!remove) {
    const catalog = await api.get<Catalog>(API);
    if (!catalog.ok) return reasonTextsLocalePage(c, { problem: catalog.problem, values: form });
    codes = catalog.data.english.map((e) => e.code);
  }
  const body = remove ? { texts: {} } : reasonTextsBody(form, codes);
  const result = await api.send<LocaleTexts>("PUT", localeApi(locale), body);
  if (!result.ok) return reasonTextsLocalePage(c, { problem: result.problem, values: form });
  const saved = result.data;
  const translated = Object.keys(saved.texts).length;
  const notice = savedNotice(saved.locale, translated, saved.missing.length);
  const to = translated === 0 ? REASON_TEXTS_BASE : localeHref(saved.locale);
  return c.redirect(`${to}?notice=${encodeURIComponent(notice)}`, 303);
}
