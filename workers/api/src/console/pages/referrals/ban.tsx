import type { Context } from "hono";
import type { ApiResult } from "../../admin-api";
import type { ConsoleContext } from "../../context";
import { DateTime, Notice, ProblemNotice } from "../../views/components";
import { Csrf, Page } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { type FailedAction, hasFieldError, problemStatus, ReasonForm, str } from "../payouts/parts";
import { banBackTo, banNotice, type ReferrerBan, unbanNotice, withBanNotice } from "./ban-outcome";
import { REFERRALS_BASE, ReferralsTabs } from "./parts";

/**
 * Banning a member from referring, from the console (docs/console.md, "Referrer bans"), over
 * `GET/PUT/DELETE /admin/v1/referrals/referrers/{id}/ban`: the API rejects the referrer's
 * referrals not yet rewarded (a batch per request; `moreToReject` says when another request
 * rejects more) and refuses new attributions to them; lifting the ban leaves the rejected ones
 * rejected. The box (BanPanel) sits on the user's page and on a referral's timeline; a refused
 * ban or unban comes back on the referrer's own page (`/console/referrals/referrers/{id}`).
 */

/** The admin API path of a member's referrer ban. */
export const banApiPath = (userId: string) =>
  `/admin/v1/referrals/referrers/${encodeURIComponent(userId)}/ban`;

/** The console page of a referrer: their ban and links to their referrals. */
export const referrerHref = (userId: string) =>
  `${REFERRALS_BASE}/referrers/${encodeURIComponent(userId)}`;

/**
 * A member's ban from referring, with Ban (a required reason) or Lift the ban for the roles the
 * API lets, and "Continue" when the last ban left referrals to reject.
 *
 * @example
 * <BanPanel userId="u1" ban={await api.get(banApiPath("u1"))} canBan canUnban
 *   token={viewer.csrfToken} failed={null} back="/console/users/u1" moreToReject={false} />
 */
export function BanPanel(props: {
  userId: string;
  ban: ApiResult<ReferrerBan>;
  canBan: boolean;
  canUnban: boolean;
  token: string;
  timeZone: string;
  failed: FailedAction | null;
  back: string;
  moreToReject: boolean;
}) {
  const { userId, ban } = props;
  if (!ban.ok) return <ProblemNotice problem={ban.problem} />;
  const b = ban.data;
  const base = referrerHref(userId);
  return (
    <div class="referral-ban">
      {b.banned ? (
        <p>
          <span class="badge bad">banned</span> from referring
          {b.bannedAtMs !== null ? (
            <>
              {" "}
              since <DateTime at={b.bannedAtMs} timeZone={props.timeZone} />
            </>
          ) : null}
          {b.bannedBy ? ` by ${b.bannedBy}` : ""}
          {b.reason ? `: ${b.reason}` : ""}. Their friends' signups are not referrals.
        </p>
      ) : (
        <p>
          <span class="badge ok">may refer</span> Banning rejects their referrals not yet rewarded
          and refuses new ones; it needs a reason, kept in each referral's history and the audit
          log.
        </p>
      )}
      {b.banned && props.moreToReject && props.canBan ? (
        <form method="post" action={`${base}/ban`} class="decision">
          <Csrf token={props.token} />
          <input type="hidden" name="back" value={props.back} />
          <input type="hidden" name="reason" value={b.reason ?? "ban continued"} />
          <p>More of their referrals remain to reject: each request rejects the next batch.</p>
          <button type="submit" class="danger">
            Continue rejecting
          </button>
        </form>
      ) : null}
      {!b.banned && props.canBan ? (
        <ReasonForm
          action={`${base}/ban`}
          formKey={`${userId}:ban`}
          label="Ban from referring"
          token={props.token}
          failed={props.failed}
          hidden={{ back: props.back }}
          danger
        />
      ) : null}
      {b.banned && props.canUnban ? (
        <form method="post" action={`${base}/unban`} class="decision">
          <Csrf token={props.token} />
          <input type="hidden" name="back" value={props.back} />
          <button type="submit" class="secondary">
            Lift the ban
          </button>
        </form>
      ) : null}
      {!props.canBan && !props.canUnban ? (
        <p class="muted">Banning a referrer needs the finance or admin role.</p>
      ) : null}
    </div>
  );
}

/** The ban box's data and permissions for one member, as the signed-in operator may see them. */
export async function banBoxOf(c: Context<ConsoleContext>, userId: string) {
  const api = c.get("api");
  const path = banApiPath(userId);
  return {
    ban: await api.get<ReferrerBan>(path),
    canBan: api.can("PUT", path),
    canUnban: api.can("DELETE", path),
    moreToReject: c.req.query("banMore") === userId,
  };
}

/** GET /console/referrals/referrers/:userId (and a refused ban or unban, with its problem). */
export async function referrerPage(c: Context<ConsoleContext>, failed: FailedAction | null = null) {
  const viewer = viewerOf(c);
  const userId = c.req.param("userId") ?? "";
  const box = await banBoxOf(c, userId);
  const here = referrerHref(userId);
  const status = failed
    ? problemStatus(failed.problem.status)
    : box.ban.ok
      ? 200
      : problemStatus(box.ban.status);
  return c.html(
    <Page title={`Referrer ${userId}`} current="referrals" viewer={viewer}>
      <ReferralsTabs current="review" />
      <Notice text={c.req.query("notice")} />
      {failed && !hasFieldError(failed) ? <ProblemNotice problem={failed.problem} /> : null}
      <section class="panel" aria-labelledby="ban-heading">
        <h2 id="ban-heading">Ban from referring</h2>
        <BanPanel
          userId={userId}
          {...box}
          token={viewer.csrfToken}
          timeZone={viewer.timeZone}
          failed={failed}
          back={here}
        />
      </section>
      <ul class="plain">
        <li>
          <a href={`/console/users/${encodeURIComponent(userId)}`}>The member's page</a>
        </li>
        <li>
          <a href={`${REFERRALS_BASE}/review?state=held&referrerId=${encodeURIComponent(userId)}`}>
            Their held referrals
          </a>
        </li>
        <li>
          <a href={`${REFERRALS_BASE}/funnel?referrerId=${encodeURIComponent(userId)}`}>
            Their funnel
          </a>
        </li>
      </ul>
    </Page>,
    status,
  );
}

/**
 * POST /console/referrals/referrers/:userId/ban and /unban: the API bans (rejecting a batch of
 * referrals) or lifts the ban; back to the page the form was on with a notice, or the
 * referrer's page with the problem beside the form (400 empty reason, 403 a role that may not).
 */
export async function banAction(c: Context<ConsoleContext>, action: "ban" | "unban") {
  const userId = c.req.param("userId") ?? "";
  const form = await c.req.parseBody();
  const reason = str(form.reason).trim();
  const back = banBackTo(str(form.back), referrerHref(userId));
  const api = c.get("api");
  const result =
    action === "ban"
      ? await api.send<ReferrerBan>("PUT", banApiPath(userId), { reason })
      : await api.send<ReferrerBan>("DELETE", banApiPath(userId));
  if (result.ok) {
    const notice = action === "ban" ? banNotice(result.data) : unbanNotice(userId);
    const more = action === "ban" && result.data.moreToReject ? userId : null;
    return c.redirect(withBanNotice(back, notice, more), 303);
  }
  return referrerPage(c, { key: `${userId}:${action}`, problem: result.problem, reason });
}
