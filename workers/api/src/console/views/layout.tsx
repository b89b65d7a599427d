import type { Child } from "hono/jsx";
import { CSRF_FIELD } from "../http/csrf";
import { HTMX_VERSION } from "../static/assets";
import { CONSOLE_CSS_VERSION } from "../static/console-css-version";
import { NAV_ITEMS, type NavItem } from "./nav";

/** htmx without eval, inline script or injected styles, so the strict CSP holds. */
const HTMX_CONFIG = JSON.stringify({
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  historyCacheSize: 0,
  // Problem pages (4xx) are full pages too: swap them in like any other answer.
  responseHandling: [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "[45]..", swap: true, error: false },
  ],
});

export interface Viewer {
  displayName: string;
  role: string;
  timeZone: string;
  csrfToken: string;
  /** Whether the viewer's role may read an area's API path (nav shows only those). */
  canRead: (apiPath: string) => boolean;
}

function Head({ title }: { title: string }) {
  return (
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="htmx-config" content={HTMX_CONFIG} />
      <meta name="referrer" content="same-origin" />
      <title>{`${title} · Boomerang console`}</title>
      <link rel="stylesheet" href={`/console/static/console.css?v=${CONSOLE_CSS_VERSION}`} />
      <script src={`/console/static/htmx-${HTMX_VERSION}.min.js`} defer />
    </head>
  );
}

/** A hidden CSRF field for a form of this session. */
export function Csrf({ token }: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={token} />;
}

function Nav({ current, viewer }: { current: string; viewer: Viewer }) {
  const visible = NAV_ITEMS.filter(
    (item: NavItem) => !item.apiPath || viewer.canRead(item.apiPath),
  );
  return (
    <nav class="side" aria-label="Console sections">
      <ul>
        {visible.map((item) => (
          <li>
            <a href={item.href} aria-current={item.key === current ? "page" : undefined}>
              {item.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/**
 * A console page: head, top bar with the operator and Sign out, section nav, and the page's
 * content in <main>. `current` is the nav key that is highlighted.
 *
 * @example
 * return c.html(<Page title="Claims" current="review" viewer={viewerOf(c)}>…</Page>);
 */
export function Page(props: { title: string; current: string; viewer: Viewer; children?: Child }) {
  const { title, current, viewer } = props;
  return (
    <>
      {"<!doctype html>"}
      <html lang="en">
        <Head title={title} />
        <body hx-boost="true">
          <a class="skip" href="#main">
            Skip to content
          </a>
          <header class="topbar">
            <a class="brand" href="/console">
              Boomerang
            </a>
            <div class="who">
              <span>
                {viewer.displayName} <span class="badge">{viewer.role}</span>
              </span>
              <a href="/console/account">Account</a>
              <form method="post" action="/console/sign-out">
                <Csrf token={viewer.csrfToken} />
                <button type="submit">Sign out</button>
              </form>
            </div>
          </header>
          <div class="shell">
            <Nav current={current} viewer={viewer} />
            <main id="main">
              <h1>{title}</h1>
              {props.children}
            </main>
          </div>
        </body>
      </html>
    </>
  );
}

/** A page without the signed-in shell (sign-in, form expired). */
export function BarePage(props: { title: string; children?: Child }) {
  return (
    <>
      {"<!doctype html>"}
      <html lang="en">
        <Head title={props.title} />
        <body>
          <main id="main" class="signin">
            <h1>{props.title}</h1>
            {props.children}
          </main>
        </body>
      </html>
    </>
  );
}
