/**
 * The console's stylesheet: plain CSS, served from /console/static/ (no build step). Colours
 * keep at least 4.5:1 contrast for text (WCAG AA); focus is always visible.
 */
export const CONSOLE_CSS = `
:root {
  --ink: #1b1f24; --muted: #4a5360; --line: #d5dae1; --bg: #f6f7f9; --panel: #fff;
  --brand: #0b5cad; --brand-ink: #fff; --ok: #1f6f3a; --warn: #8a5200; --bad: #b3261e;
  --ok-bg: #e6f4ea; --warn-bg: #fff4e0; --bad-bg: #fdecea; --info-bg: #e8f0fb;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  background: var(--bg); line-height: 1.45; font-size: 15px;
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--brand); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible,
textarea:focus-visible, summary:focus-visible { outline: 3px solid #f0b400; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--panel); padding: .5rem; }
.skip:focus { left: .5rem; z-index: 10; }
.topbar { display: flex; align-items: center; gap: 1rem; padding: .6rem 1.2rem; background: #10243e; color: #fff; }
.topbar .brand { font-weight: 700; color: #fff; text-decoration: none; font-size: 1.1rem; }
.topbar .who { margin-left: auto; display: flex; gap: .75rem; align-items: center; font-size: .9rem; }
.topbar .who a { color: #fff; }
.topbar button { background: transparent; color: #fff; border: 1px solid #8fa3bd; }
.shell { display: grid; grid-template-columns: 13rem 1fr; min-height: calc(100vh - 3rem); }
nav.side { background: var(--panel); border-right: 1px solid var(--line); padding: 1rem .5rem; }
nav.side ul { list-style: none; margin: 0; padding: 0; }
nav.side a { display: block; padding: .4rem .7rem; border-radius: 6px; text-decoration: none; color: var(--ink); }
nav.side a[aria-current="page"] { background: var(--info-bg); color: var(--brand); font-weight: 600; }
nav.side a:hover { background: var(--bg); }
main { padding: 1.2rem 1.6rem 3rem; max-width: 80rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .6rem; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin-bottom: 1rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr)); gap: .8rem; margin-bottom: 1rem; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem; }
.card .label { color: var(--muted); font-size: .85rem; }
.card .value { font-size: 1.35rem; font-weight: 600; }
table { width: 100%; border-collapse: collapse; background: var(--panel); border: 1px solid var(--line); }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f5; font-weight: 600; font-size: .9rem; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.empty { padding: 1.5rem; text-align: center; color: var(--muted); background: var(--panel); border: 1px dashed var(--line); border-radius: 8px; }
form.filters { display: flex; flex-wrap: wrap; gap: .6rem; align-items: flex-end; margin-bottom: 1rem; }
label { display: block; font-weight: 600; font-size: .9rem; margin-bottom: .2rem; }
.field { margin-bottom: .8rem; }
.field .hint { color: var(--muted); font-size: .85rem; }
.field .error, .error-text { color: var(--bad); font-size: .9rem; }
input, select, textarea { font: inherit; padding: .4rem .5rem; border: 1px solid #8a94a3; border-radius: 6px; background: #fff; color: var(--ink); }
input[aria-invalid="true"], select[aria-invalid="true"], textarea[aria-invalid="true"] { border-color: var(--bad); }
textarea { width: 100%; min-height: 5rem; }
button, .button { font: inherit; cursor: pointer; padding: .42rem .9rem; border-radius: 6px; border: 1px solid var(--brand); background: var(--brand); color: var(--brand-ink); text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: #fff; color: var(--brand); }
button.danger { background: var(--bad); border-color: var(--bad); }
.notice { padding: .7rem 1rem; border-radius: 8px; margin-bottom: 1rem; border: 1px solid; }
.notice.ok { background: var(--ok-bg); border-color: var(--ok); }
.notice.bad { background: var(--bad-bg); border-color: var(--bad); }
.notice.info { background: var(--info-bg); border-color: var(--brand); }
.notice ul { margin: .3rem 0 0; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .8rem; font-weight: 600; background: #eef1f5; color: var(--ink); }
.badge.ok { background: var(--ok-bg); color: var(--ok); }
.badge.warn { background: var(--warn-bg); color: var(--warn); }
.badge.bad { background: var(--bad-bg); color: var(--bad); }
.pager { display: flex; gap: .6rem; margin-top: .8rem; }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; align-items: flex-end; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
pre.raw { background: #f1f3f6; padding: .8rem; border-radius: 6px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.signin { max-width: 24rem; margin: 4rem auto; }
.muted { color: var(--muted); }
svg.chart { width: 100%; height: auto; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
svg.chart .bar { fill: var(--brand); }
svg.chart .bar.alt { fill: #6c8ebf; }
svg.chart text { font-size: 11px; fill: var(--muted); }
/* Users, transactions and postbacks: a transaction's history as a timeline. */
ol.timeline { list-style: none; margin: 0; padding: 0 0 0 1rem; border-left: 3px solid var(--line); }
.timeline-item { position: relative; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .5rem .8rem; margin: 0 0 .6rem .6rem; }
.timeline-item.ledger { border-left: 4px solid var(--ok); }
.timeline-item.postback { border-left: 4px solid var(--brand); }
.timeline-item.report { border-left: 4px solid var(--warn); }
/* Operations pages (review queues, payouts, reconciliation, audit log) */
nav.tabs ul { list-style: none; display: flex; gap: .4rem; margin: 0 0 1rem; padding: 0; border-bottom: 1px solid var(--line); }
nav.tabs a { display: block; padding: .4rem .8rem; text-decoration: none; border-radius: 6px 6px 0 0; }
nav.tabs a[aria-current="page"] { background: var(--panel); border: 1px solid var(--line); border-bottom-color: var(--panel); font-weight: 600; margin-bottom: -1px; }
form.decision { display: flex; flex-direction: column; gap: .3rem; min-width: 14rem; }
form.decision textarea { min-height: 3rem; }
details > summary { cursor: pointer; color: var(--brand); }
p.small { font-size: .9rem; font-weight: 600; margin: .6rem 0 .2rem; }
/* Overview and finance (pages/overview.tsx, pages/finance.tsx, views/chart.tsx) */
ul.attention { list-style: none; padding: 0; margin: 0 0 1rem; display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: .6rem; }
.attention-item a { display: flex; gap: .6rem; align-items: baseline; padding: .6rem .8rem; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; text-decoration: none; color: var(--ink); }
.attention-item.waiting a { border-color: var(--warn); background: var(--warn-bg); }
.attention-count { font-size: 1.3rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.attention-item a:hover .attention-label { text-decoration: underline; }
.periods { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: 0 1.2rem; }
.chart-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(22rem, 1fr)); gap: .8rem; }
figure.chart-figure { margin: 0; position: relative; }
svg.chart line.grid { stroke: var(--line); stroke-width: 1; }
svg.chart .series-line { stroke: var(--brand); stroke-width: 2; fill: none; }
svg.chart .series-dot { fill: var(--brand); }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
/* Catalog (pages/catalog): section tabs, entity forms, the offer card preview. */
nav.tabs { display: flex; gap: .3rem; border-bottom: 1px solid var(--line); margin-bottom: 1rem; }
nav.tabs a { padding: .4rem .8rem; text-decoration: none; color: var(--ink); border-radius: 6px 6px 0 0; }
nav.tabs a[aria-current="page"] { background: var(--info-bg); color: var(--brand); font-weight: 600; }
.entity-form input[type="text"], .entity-form input[type="url"], .entity-form input[type="password"], .entity-form input:not([type]) { width: min(100%, 36rem); }
.entity-form fieldset { border: 1px solid var(--line); border-radius: 8px; margin: 0 0 .8rem; padding: .6rem 1rem; }
.field.check { display: flex; flex-wrap: wrap; gap: .2rem .5rem; align-items: center; }
.field.check .hint, .field.check .error { flex-basis: 100%; }
textarea.code { font-family: ui-monospace, monospace; font-size: .9rem; }
td.url, dd.url { word-break: break-all; }
.offer-card { max-width: 22rem; border: 1px solid var(--line); border-radius: 10px; padding: .8rem 1rem; background: #fff; }
.offer-card .merchant { color: var(--muted); margin: 0; }
.offer-card .headline { font-size: 1.3rem; font-weight: 700; color: var(--ok); margin: .2rem 0; }
.offer-card h3 { font-size: 1rem; margin: .2rem 0 .4rem; }
.offer-card ul { padding-left: 1.1rem; margin: .3rem 0 0; font-size: .9rem; }
/* Rules (pages/rules): the JSON editor, the diff lists, the simulator's trace. */
ul.plain { list-style: none; margin: 0; padding: 0; }
ul.problems { margin: .3rem 0 0; padding-left: 1.1rem; }
.diff ul.added li::marker { content: "+ "; color: var(--ok); }
.diff ul.removed li::marker { content: "− "; color: var(--bad); }
.diff ul.changed li::marker { content: "~ "; }
.trace-rule { border-top: 1px solid var(--line); padding-top: .6rem; margin-top: .8rem; }
.trace-rule h3 { font-size: 1rem; }
table.trace td.depth-1 { padding-left: 1.5rem; }
table.trace td.depth-2 { padding-left: 2.5rem; }
table.trace td.depth-3 { padding-left: 3.5rem; }
table.trace td.depth-4 { padding-left: 4.5rem; }
table.trace td.depth-5 { padding-left: 5.5rem; }
table.trace td.depth-6 { padding-left: 6.5rem; }
`;
