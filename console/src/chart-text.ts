/** The words of the charts (console/src/chart.ts): pure, so they are tested under Node. */

export interface Series {
  /** What a unit is, in the plural: "sent", "failed", "failovers". */
  label: string;
  /** One value per minute, oldest first. */
  values: number[];
  /** The CSS class that colours it (bar-sent, bar-failed, bar-failover). */
  kind: string;
}

export interface MinuteChartOptions {
  /** What the chart is about, e.g. "primary: sent and failed per minute". */
  title: string;
  /** The first minute's start (ISO 8601). */
  from: string;
  /** Drawn above the axis. */
  up: Series;
  /** Drawn below the axis, so the two never hide each other. */
  down: Series;
}

export const hhmm = (ms: number): string =>
  new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export const total = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/** 0.05 -> "5 %", 0.001 -> "0.1 %", 0.5 -> "50 %", 0.0123 -> "1.2 %", 0.00042 -> "0.04 %". */
export function percent(x: number): string {
  const p = x * 100;
  const digits = p === 0 || p >= 10 ? 0 : p >= 1 ? 1 : 2;
  return `${Number(p.toFixed(digits))} %`;
}

/** What a minute chart shows, in one sentence (its <desc>, read by screen readers). */
export function describeMinutes(o: MinuteChartOptions, time = hhmm): string {
  const minutes = o.up.values.length;
  const start = Date.parse(o.from);
  const parts = [o.up, o.down].map((series) => {
    const sum = total(series.values);
    if (!sum) return `no ${series.label}`;
    const peak = Math.max(...series.values);
    const at = series.values.indexOf(peak);
    return `${sum} ${series.label} (at most ${peak} a minute, at ${time(start + at * 60_000)})`;
  });
  return `Last ${minutes} minutes, from ${time(start)}: ${parts.join('; ')}.`;
}
