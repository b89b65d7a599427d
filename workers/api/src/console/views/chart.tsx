/**
 * Server-rendered SVG charts: one series by day, as bars or a line, with axis labels, a
 * <title> and <desc>, and the same numbers in a visually hidden table for screen readers.
 * No chart library, no script, no inline style (the CSP forbids it): class names from
 * console-css.ts and SVG presentation attributes only.
 */

/**
 * The smallest 1-2-5 step (1, 2, 5, 10, 20, 50, …) at or above `value`: the top of the axis.
 * At least 1, so an all-zero series still has an axis.
 *
 * @example
 * niceCeiling(7); // 10
 * niceCeiling(120); // 200
 */
export function niceCeiling(value: number): number {
  if (!(value > 1)) return 1;
  let magnitude = 10 ** Math.floor(Math.log10(value));
  // Floating point: log10(1000) may be 2.9999…; step up until the magnitude is not above.
  while (magnitude * 10 <= value) magnitude *= 10;
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

/**
 * Bar heights in pixels for `values` on an axis from 0 to the nice ceiling of their maximum.
 * Negative values and non-numbers draw as 0; a positive value never rounds down to nothing
 * (at least 1 px, so a small day is visible beside a big one).
 *
 * @example
 * scaleBars([0, 5, 10], 100); // { axisMax: 10, heightsPx: [0, 50, 100] }
 */
export function scaleBars(
  values: readonly number[],
  plotHeightPx: number,
): { axisMax: number; heightsPx: number[] } {
  const clean = values.map((v) => (Number.isFinite(v) && v > 0 ? v : 0));
  const axisMax = niceCeiling(Math.max(0, ...clean));
  const heightsPx = clean.map((v) =>
    v === 0 ? 0 : Math.max(1, Math.round((v / axisMax) * plotHeightPx)),
  );
  return { axisMax, heightsPx };
}

const WIDTH = 640;
const HEIGHT = 200;
const MARGIN = { top: 12, right: 8, bottom: 26, left: 76 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
/** Label every few days on the x axis, so 30 labels do not overlap. */
const X_LABEL_EVERY = 7;

export interface DaySeriesProps {
  /** Unique on the page: the <title>, <desc> and table ids derive from it. */
  id: string;
  title: string;
  /** The value column's heading in the table, e.g. "Clicks" or "Cashback (INR)". */
  valueLabel: string;
  points: ReadonlyArray<{ day: string; value: number }>;
  /** How a value reads (axis, table, tooltips); plain numbers by default. */
  format?: (value: number) => string;
  kind?: "bar" | "line";
}

const plainNumber = (n: number) => n.toLocaleString("en");
/** "2026-03-05" → "03-05": short enough under a bar. */
const shortDay = (day: string) => day.slice(5);

/**
 * A chart of one value per day, with its data table.
 *
 * @example
 * <DaySeriesChart id="clicks" title="Clicks per day" valueLabel="Clicks"
 *   points={daily.map((d) => ({ day: d.day, value: d.clicks }))} />
 */
export function DaySeriesChart(props: DaySeriesProps) {
  const format = props.format ?? plainNumber;
  const { axisMax, heightsPx } = scaleBars(
    props.points.map((p) => p.value),
    PLOT_H,
  );
  const slot = props.points.length > 0 ? PLOT_W / props.points.length : PLOT_W;
  const barW = Math.max(1, slot * 0.7);
  const xOf = (i: number) => MARGIN.left + i * slot;
  const yOf = (h: number) => MARGIN.top + PLOT_H - h;
  const first = props.points[0]?.day ?? "";
  const last = props.points[props.points.length - 1]?.day ?? "";
  const total = props.points.reduce((s, p) => s + p.value, 0);
  const ticks = [0, axisMax / 2, axisMax];
  const linePoints = props.points
    .map((_, i) => `${(xOf(i) + slot / 2).toFixed(1)},${yOf(heightsPx[i] ?? 0).toFixed(1)}`)
    .join(" ");
  return (
    <figure class="chart-figure">
      <svg
        class="chart"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${props.id}-title ${props.id}-desc`}
      >
        <title id={`${props.id}-title`}>{props.title}</title>
        <desc id={`${props.id}-desc`}>
          {`${props.points.length} days from ${first} to ${last}, total ${format(total)}. ` +
            "The numbers are in the table after the chart."}
        </desc>
        {ticks.map((t) => {
          const y = yOf(Math.round((t / axisMax) * PLOT_H));
          return (
            <g class="tick">
              <line class="grid" x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y} y2={y} />
              <text x={MARGIN.left - 6} y={y + 4} text-anchor="end">
                {format(t)}
              </text>
            </g>
          );
        })}
        {props.kind === "line" ? (
          <polyline class="series-line" points={linePoints} fill="none" />
        ) : null}
        {props.points.map((p, i) => {
          const h = heightsPx[i] ?? 0;
          const tip = <title>{`${p.day}: ${format(p.value)}`}</title>;
          return props.kind === "line" ? (
            <circle class="series-dot" cx={xOf(i) + slot / 2} cy={yOf(h)} r={2.5}>
              {tip}
            </circle>
          ) : (
            <rect class="bar" x={xOf(i) + (slot - barW) / 2} y={yOf(h)} width={barW} height={h}>
              {tip}
            </rect>
          );
        })}
        {props.points.map((p, i) =>
          i % X_LABEL_EVERY === 0 || i === props.points.length - 1 ? (
            <text x={xOf(i) + slot / 2} y={HEIGHT - 8} text-anchor="middle">
              {shortDay(p.day)}
            </text>
          ) : null,
        )}
      </svg>
      <table class="visually-hidden" id={`${props.id}-table`}>
        <caption>{props.title}</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">{props.valueLabel}</th>
          </tr>
        </thead>
        <tbody>
          {props.points.map((p) => (
            <tr>
              <td>{p.day}</td>
              <td>{format(p.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** One step of a comparison with the previous period. */
export interface PeriodStep {
  label: string;
  current: number;
  previous: number;
}

const countText = (n: number) => n.toLocaleString("en");

/**
 * Steps as horizontal bars (SVG), each with the previous period's thinner bar under it: the
 * analytics funnels' charts. `labelWidthPx` is the label column, `barMaxPx` the longest bar.
 */
export function PeriodBars({
  id,
  title,
  steps,
  labelWidthPx = 150,
  barMaxPx = 400,
}: {
  id: string;
  title: string;
  steps: readonly PeriodStep[];
  labelWidthPx?: number;
  barMaxPx?: number;
}) {
  const { heightsPx } = scaleBars(
    steps.flatMap((s) => [s.current, s.previous]),
    barMaxPx,
  );
  const rowH = 34;
  const x = labelWidthPx;
  return (
    <figure class="chart-figure">
      <svg
        class="chart"
        viewBox={`0 0 640 ${steps.length * rowH + 10}`}
        role="img"
        aria-labelledby={`${id}-title`}
      >
        <title id={`${id}-title`}>{title}</title>
        {steps.map((s, i) => {
          const y = 6 + i * rowH;
          return (
            <g>
              <text x={0} y={y + 14}>
                {s.label}
              </text>
              <rect class="bar" x={x} y={y} width={heightsPx[i * 2] ?? 0} height={13}>
                <title>{`${s.label}: ${countText(s.current)}`}</title>
              </rect>
              <rect
                class="bar previous"
                x={x}
                y={y + 15}
                width={heightsPx[i * 2 + 1] ?? 0}
                height={9}
                opacity={0.4}
              >
                <title>{`${s.label}, previous period: ${countText(s.previous)}`}</title>
              </rect>
              <text x={x + (heightsPx[i * 2] ?? 0) + 6} y={y + 12}>
                {countText(s.current)}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
