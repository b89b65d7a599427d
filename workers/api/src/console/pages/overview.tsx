import type { Context } from "hono";
import type { ConsoleContext } from "../context";
import { Page } from "../views/layout";
import { NAV_ITEMS } from "../views/nav";
import { viewerOf } from "../views/viewer";

/** GET /console: the overview. */
export function overviewPage(c: Context<ConsoleContext>) {
  const viewer = viewerOf(c);
  const sections = NAV_ITEMS.filter(
    (i) => i.key !== "overview" && (!i.apiPath || viewer.canRead(i.apiPath)),
  );
  return c.html(
    <Page title="Overview" current="overview" viewer={viewer}>
      <ul class="cards">
        {sections.map((s) => (
          <li class="card">
            <a href={s.href}>{s.label}</a>
          </li>
        ))}
      </ul>
    </Page>,
  );
}
