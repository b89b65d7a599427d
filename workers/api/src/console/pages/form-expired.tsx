import type { Context } from "hono";
import { BarePage } from "../views/layout";

/** A state-changing form that came without its CSRF token (or a stale one): refused, 403. */
export function renderFormExpired(c: Context) {
  return c.html(
    <BarePage title="This form has expired">
      <div class="notice bad" role="alert">
        The form was sent without a valid security token, so nothing was changed. Go back, reload
        the page and try again.
      </div>
      <p>
        <a href="/console">Back to the console</a>
      </p>
    </BarePage>,
    403,
  );
}
