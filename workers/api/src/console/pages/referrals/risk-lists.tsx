import type { Context } from "hono";
import type { ProblemBody } from "#shared/http/errors";
import { RISK_LIST_NAMES, type RiskListName } from "#shared/referrals/risk-lists";
import type { ConsoleContext } from "../../context";
import { DateTime, Notice, ProblemNotice } from "../../views/components";
import { Csrf, Page, type Viewer } from "../../views/layout";
import { viewerOf } from "../../views/viewer";
import { type PageStatus, pageStatus, TextArea } from "../catalog/parts";
import { REFERRALS_BASE, ReferralsTabs } from "./parts";
import { entriesOf, lineProblems, lineProblemText, riskListBody } from "./risk-lists-form";

/**
 * /console/referrals/risk-lists (docs/console.md, Referrals): the lists fraud signals check a
 * signup against — disposable e-mail domains, datacenter / VPN IP ranges — each shown with its
 * version and who saved it, and replaced whole from a textarea, one entry a line, through
 * `PUT /admin/v1/risk-lists/{list}` with the version it was loaded from. A refused line is
 * named by its line number; a save over a newer version shows the version that won. Every role
 * reads; finance and admin replace (the API decides).
 */

export const RISK_LISTS_PAGE = `${REFERRALS_BASE}/risk-lists`;
const RISK_LISTS_API = "/admin/v1/risk-lists";
const listApi = (list: string) => `${RISK_LISTS_API}/${encodeURIComponent(list)}`;

interface RiskList {
  list: RiskListName;
  version: number;
  entries: string[];
  updatedAtMs: number | null;
  updatedBy: string | null;
}

/** Each list, what fires on it (`on`: a signup, a tracked click) and the signal it fires. */
const LISTS: Record<
  RiskListName,
  { title: string; button: string; hint: string; on: string; signal: string }
> = {
  disposable_email_domains: {
    title: "Disposable e-mail domains",
    button: "Replace disposable e-mail domains",
    hint: "one domain a line, such as mailinator.com; a subdomain of a listed domain matches too",
    on: "a signup",
    signal: "disposable_email_domain",
  },
  datacenter_ip_ranges: {
    title: "Datacenter and VPN IP ranges",
    button: "Replace datacenter and VPN IP ranges",
    hint: "one IPv4 or IPv6 range a line, such as 203.0.113.0/24 or 2001:db8::/32; a bare address is that address alone",
    on: "a signup",
    signal: "datacenter_ip",
  },
  // Tracked clicks are judged against both datacenter lists (docs/fraud.md "Click quality").
  datacenter_asns: {
    title: "Datacenter networks (ASNs)",
    button: "Replace datacenter networks",
    hint: "one autonomous system number a line, such as AS16509 or 16509",
    on: "a tracked click",
    signal: "click_datacenter",
  },
  // Orders in these categories carry `signal.category_abuse_prone` (docs/fraud.md "Return abuse").
  abuse_prone_categories: {
    title: "Abuse-prone categories",
    button: "Replace abuse-prone categories",
    hint: "one product category a line, as networks report it, such as fashion or electronics",
    on: "an order",
    signal: "category_abuse_prone",
  },
};

/** The list a form came back for: what was typed, the API's problem, and whether it lost a race. */
interface FailedSave {
  list: string;
  text: string;
  problem: ProblemBody;
  conflict: boolean;
}

const fieldName = (list: string) => `entries-${list}`;

/** The problem without its `entries.<i>` errors: those are shown by line beside the textarea. */
function withoutLineErrors(problem: ProblemBody): ProblemBody {
  const rest = (problem.errors ?? []).filter((e) => !/^entries\.\d+$/.test(e.path));
  const { errors: _all, ...head } = problem;
  return rest.length > 0 ? { ...head, errors: rest } : head;
}

function ListForm(props: { list: RiskList; failed: FailedSave | undefined; csrfToken: string }) {
  const { list, failed } = props;
  const about = LISTS[list.list];
  // After a lost race the list shown is the one that won; otherwise what was typed comes back.
  const typedText = failed && !failed.conflict ? failed.text : undefined;
  const lines = typedText === undefined ? [] : lineProblems(failed?.problem, entriesOf(typedText));
  return (
    <form
      method="post"
      action={`${RISK_LISTS_PAGE}/${encodeURIComponent(list.list)}`}
      class="entity-form"
      aria-label={`Replace ${about.title}`}
    >
      <Csrf token={props.csrfToken} />
      <input type="hidden" name="expectedVersion" value={String(list.version)} />
      <TextArea
        name={fieldName(list.list)}
        label={`${about.title}, one per line`}
        rows={10}
        code
        value={typedText ?? list.entries.join("\n")}
        hint={`${about.hint}; up to 20,000; blank lines are ignored, and the list is saved in lower case, sorted, without repeats`}
        error={lineProblemText(lines)}
      />
      <button type="submit">{about.button}</button>
    </form>
  );
}

/** Says whose version of the list won a lost update, and keeps what the operator sent. */
function ConflictNotice(props: { list: RiskList; sent: string; viewer: Viewer }) {
  return (
    <>
      <div class="notice bad" role="alert">
        <strong>Someone saved first.</strong> Version {props.list.version} was saved by{" "}
        {props.list.updatedBy ?? "another operator"}{" "}
        <DateTime at={props.list.updatedAtMs} timeZone={props.viewer.timeZone} /> after you opened
        the page, so nothing of yours was saved. The list below is theirs: apply your change again.
      </div>
      <details>
        <summary>What you sent (not saved)</summary>
        <pre>{props.sent}</pre>
      </details>
    </>
  );
}

function ListPanel(props: {
  name: RiskListName;
  result: { ok: true; data: RiskList } | { ok: false; problem: ProblemBody };
  failed: FailedSave | undefined;
  canWrite: boolean;
  viewer: Viewer;
}) {
  const { name, result, failed, viewer } = props;
  const about = LISTS[name];
  const headingId = `list-${name}-h`;
  return (
    <section class="panel" id={`list-${name}`} aria-labelledby={headingId}>
      <h2 id={headingId}>{about.title}</h2>
      {!result.ok ? (
        <ProblemNotice problem={result.problem} />
      ) : (
        <>
          <p class="muted">
            <code>{name}</code>: {about.on} on it fires <code>{about.signal}</code>.{" "}
            {result.data.version === 0 ? (
              "Never saved: empty."
            ) : (
              <>
                Version {result.data.version}, {result.data.entries.length.toLocaleString("en")}{" "}
                {result.data.entries.length === 1 ? "entry" : "entries"}, saved by{" "}
                {result.data.updatedBy}{" "}
                <DateTime at={result.data.updatedAtMs} timeZone={viewer.timeZone} />.
              </>
            )}
          </p>
          {failed?.conflict ? (
            <ConflictNotice list={result.data} sent={failed.text} viewer={viewer} />
          ) : failed ? (
            <ProblemNotice problem={withoutLineErrors(failed.problem)} />
          ) : null}
          {props.canWrite ? (
            <ListForm list={result.data} failed={failed} csrfToken={viewer.csrfToken} />
          ) : result.data.entries.length === 0 ? (
            <p class="empty">The list is empty.</p>
          ) : (
            <details>
              <summary>
                The {result.data.entries.length.toLocaleString("en")}{" "}
                {result.data.entries.length === 1 ? "entry" : "entries"}
              </summary>
              <pre>{result.data.entries.join("\n")}</pre>
            </details>
          )}
        </>
      )}
    </section>
  );
}

async function riskListsPage(
  c: Context<ConsoleContext>,
  failed?: FailedSave,
  status: PageStatus = 200,
) {
  const viewer = viewerOf(c);
  const api = c.get("api");
  const lists = await Promise.all(RISK_LIST_NAMES.map((name) => api.get<RiskList>(listApi(name))));
  const unknown = failed && !(RISK_LIST_NAMES as readonly string[]).includes(failed.list);
  return c.html(
    <Page title="Risk lists" current="referrals" viewer={viewer}>
      <ReferralsTabs current="risk-lists" />
      <Notice text={c.req.query("notice")} />
      {unknown ? <ProblemNotice problem={failed.problem} /> : null}
      <p class="muted">
        Fraud checks read these lists platform-wide: a signup is checked at intake against the lists
        in force then (everywhere within about 90 seconds of a save), and the signal's weight is set
        in the <a href={`${REFERRALS_BASE}/program`}>program settings</a>. Saving replaces the whole
        list.
        {api.can("PUT", listApi(RISK_LIST_NAMES[0]))
          ? ""
          : " Your role reads the lists; replacing one needs the finance or admin role."}
      </p>
      {RISK_LIST_NAMES.map((name, i) => {
        const result = lists[i];
        if (!result) return null;
        return (
          <ListPanel
            name={name}
            result={result}
            failed={failed?.list === name ? failed : undefined}
            canWrite={api.can("PUT", listApi(name))}
            viewer={viewer}
          />
        );
      })}
    </Page>,
    status,
  );
}

async function replaceList(c: Context<ConsoleContext>) {
  const list = c.req.param("list") ?? "";
  const form = await c.req.parseBody();
  const text = typeof form[fieldName(list)] === "string" ? (form[fieldName(list)] as string) : "";
  const expected = typeof form.expectedVersion === "string" ? form.expectedVersion : undefined;
  const result = await c
    .get("api")
    .send<RiskList>("PUT", listApi(list), riskListBody(text, expected));
  if (result.ok) {
    const { version, entries } = result.data;
    const title = LISTS[result.data.list]?.title ?? list;
    const notice = `${title} saved: version ${version}, ${entries.length} ${entries.length === 1 ? "entry" : "entries"}.`;
    return c.redirect(`${RISK_LISTS_PAGE}?notice=${encodeURIComponent(notice)}#list-${list}`, 303);
  }
  return riskListsPage(
    c,
    { list, text, problem: result.problem, conflict: result.status === 409 },
    pageStatus(result.status),
  );
}

/** GET shows both lists, POST replaces one; mounted under /console/referrals above `/:referralId`. */
export const riskListRoutes = {
  show: (c: Context<ConsoleContext>) => riskListsPage(c),
  replace: replaceList,
};
