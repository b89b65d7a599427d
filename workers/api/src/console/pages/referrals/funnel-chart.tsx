import { scaleBars } from "../../views/chart";

/**
 * The funnel as a server-rendered SVG: one horizontal bar per stage (link clicks, signups,
 * qualified, rewarded, then the outcomes held, rejected, reversed in the second colour), each
 * labelled with its count and its share of the stage before the outcomes start. Like
 * views/chart.tsx: no script, no inline style (classes and presentation attributes only),
 * `role="img"` with a <title> and <desc>, and the numbers again in a visually hidden table.
 */

export interface FunnelStage {
  label: string;
  value: number | null;
  /** Outcomes (held, rejected, reversed) are drawn in the second colour. */
  outcome?: boolean;
}

const WIDTH = 640;
const ROW_H = 26;
const LABEL_W = 110;
const VALUE_W = 120;
const TOP = 8;
const PLOT_W = WIDTH - LABEL_W - VALUE_W;

const plain = (n: number) => n.toLocaleString("en");

/** "37.5%" of `base`, or "" when there is no base to compare with. */
function shareOf(value: number, base: number | null): string {
  if (base === null || base <= 0) return "";
  return ` (${((value / base) * 100).toFixed(1).replace(/\.0$/, "")}%)`;
}

/**
 * @example
 * <FunnelChart id="funnel" title="Referral funnel" stages={[{ label: "Signups", value: 4 }, …]} />
 */
export function FunnelChart(props: { id: string; title: string; stages: readonly FunnelStage[] }) {
  const shown = props.stages.filter((s) => s.value !== null);
  const { heightsPx } = scaleBars(
    shown.map((s) => s.value ?? 0),
    PLOT_W,
  );
  // Each progress stage's share is of the stage before it; outcomes' of the qualified.
  const progress = shown.filter((s) => !s.outcome);
  const qualified = shown.find((s) => s.label === "Qualified")?.value ?? null;
  const baseOf = (s: FunnelStage): number | null => {
    if (s.outcome) return qualified;
    const at = progress.indexOf(s);
    return at > 0 ? (progress[at - 1]?.value ?? null) : null;
  };
  const height = TOP * 2 + shown.length * ROW_H;
  const summary = shown.map((s) => `${s.label} ${plain(s.value ?? 0)}`).join(", ");
  return (
    <figure class="chart-figure">
      <svg
        class="chart"
        viewBox={`0 0 ${WIDTH} ${height}`}
        role="img"
        aria-labelledby={`${props.id}-title ${props.id}-desc`}
      >
        <title id={`${props.id}-title`}>{props.title}</title>
        <desc id={`${props.id}-desc`}>
          {`${summary}. The numbers are in the table after the chart.`}
        </desc>
        {shown.map((s, i) => {
          const y = TOP + i * ROW_H;
          const w = heightsPx[i] ?? 0;
          const value = s.value ?? 0;
          const text = `${plain(value)}${shareOf(value, baseOf(s))}`;
          return (
            <g>
              <text x={LABEL_W - 8} y={y + ROW_H / 2 + 4} text-anchor="end">
                {s.label}
              </text>
              <rect
                class={s.outcome ? "bar alt" : "bar"}
                x={LABEL_W}
                y={y + 4}
                width={w}
                height={ROW_H - 8}
              >
                <title>{`${s.label}: ${text}`}</title>
              </rect>
              <text x={LABEL_W + w + 6} y={y + ROW_H / 2 + 4}>
                {text}
              </text>
            </g>
          );
        })}
      </svg>
      <table class="visually-hidden" id={`${props.id}-table`}>
        <caption>{props.title}</caption>
        <thead>
          <tr>
            <th scope="col">Stage</th>
            <th scope="col">Referrals</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((s) => (
            <tr>
              <td>{s.label}</td>
              <td>{`${plain(s.value ?? 0)}${shareOf(s.value ?? 0, baseOf(s))}`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
