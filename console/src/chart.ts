/**
 * Small inline SVG charts drawn here (no library, nothing loaded from elsewhere). Each chart is a
 * <figure> whose SVG has role="img", a <title> and a <desc> that say in words what it shows;
 * every bar has its own <title> (a tooltip, and what the tests read); axis words are HTML, so
 * they stay readable when the SVG stretches to the card's width.
 */
import {
  describeMinutes,
  hhmm,
  percent,
  total,
  type MinuteChartOptions,
  type Series,
} from './chart-text.js';
import { h } from './dom.js';

export { percent } from './chart-text.js';

const SVG = 'http://www.w3.org/2000/svg';
let ids = 0;

type SvgAttrs = Record<string, string | number>;

/** An SVG element; text is set as text, never parsed. */
export function s(tag: string, attrs: SvgAttrs = {}, ...children: Array<Node | string>): Element {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  for (const c of children) el.append(c);
  return el;
}

const W = 600;
const H = 100;
const MID = 56;

/** Per-minute bars: one series up, one down, from `from` to now. */
export function minuteChart(o: MinuteChartOptions): HTMLElement {
  const n = o.up.values.length;
  const start = Date.parse(o.from);
  const max = Math.max(1, ...o.up.values, ...o.down.values);
  const step = W / n;
  const width = Math.max(step * 0.7, 0.5);
  const id = `chart-${++ids}`;
  const bars: Element[] = [];
  const bar = (series: Series, i: number, up: boolean) => {
    const v = series.values[i];
    if (!v) return;
    const height = (v / max) * (up ? MID - 4 : H - MID - 4);
    bars.push(
      s(
        'rect',
        {
          class: `bar ${series.kind}`,
          x: (i * step + (step - width) / 2).toFixed(2),
          y: (up ? MID - height : MID).toFixed(2),
          width: width.toFixed(2),
          height: height.toFixed(2),
          'data-minute': i,
          'data-value': v,
        },
        s('title', {}, `${hhmm(start + i * 60_000)}: ${v} ${series.label}`),
      ),
    );
  };
  for (let i = 0; i < n; i++) {
    bar(o.up, i, true);
    bar(o.down, i, false);
  }
  const svg = s(
    'svg',
    {
      class: 'minutes',
      viewBox: `0 0 ${W} ${H}`,
      preserveAspectRatio: 'none',
      role: 'img',
      'aria-labelledby': `${id}-title ${id}-desc`,
    },
    s('title', { id: `${id}-title` }, o.title),
    s('desc', { id: `${id}-desc` }, describeMinutes(o)),
    s('line', { class: 'axis', x1: 0, x2: W, y1: MID, y2: MID }),
    ...bars,
  );
  return h(
    'figure',
    { class: 'chart' },
    h(
      'figcaption',
      { class: 'legend' },
      h('span', { class: `swatch ${o.up.kind}` }),
      `${total(o.up.values)} ${o.up.label} `,
      h('span', { class: `swatch ${o.down.kind}` }),
      `${total(o.down.values)} ${o.down.label}`,
      h('span', { class: 'muted' }, ` · scale: ${max} a minute`),
    ),
    svg,
    h(
      'div',
      { class: 'ticks muted', 'aria-hidden': 'true' },
      h('span', {}, hhmm(start)),
      h('span', {}, hhmm(start + (n / 2) * 60_000)),
      h('span', {}, 'now'),
    ),
  );
}

export interface RateGaugeOptions {
  /** "Bounce rate" */
  label: string;
  /** What is counted, in the plural ("bounces", "complaints"). */
  noun: string;
  count: number;
  sent: number;
  /** count / sent, or null when nothing was sent. */
  rate: number | null;
  /** The warning line, e.g. 0.05. */
  warning: number;
}

/** A horizontal bar of the rate against its labelled warning line. */
export function rateGauge(o: RateGaugeOptions): HTMLElement {
  const over = o.rate !== null && o.rate >= o.warning;
  const scale = Math.min(1, Math.max(o.warning * 2, (o.rate ?? 0) * 1.25));
  const x = (v: number) => (Math.min(v, scale) / scale) * 300;
  const id = `gauge-${++ids}`;
  const verdict =
    o.rate === null
      ? 'nothing sent'
      : over
        ? `above the ${percent(o.warning)} warning line`
        : `below the ${percent(o.warning)} warning line`;
  const value = o.rate === null ? '–' : percent(o.rate);
  const sentence = `${o.label}: ${value} (${o.count} ${o.noun} of ${o.sent} sent), ${verdict}.`;
  return h(
    'figure',
    { class: `gauge ${over ? 'gauge-over' : 'gauge-ok'}` },
    h(
      'figcaption',
      {},
      h('strong', {}, `${o.label} `),
      h('span', { class: 'gauge-value' }, value),
      ' ',
      h('span', { class: 'muted' }, `${o.count} of ${o.sent} sent · ${verdict}`),
    ),
    s(
      'svg',
      {
        viewBox: '0 0 300 36',
        role: 'img',
        'aria-labelledby': `${id}-title`,
        class: 'gauge-bar',
      },
      s('title', { id: `${id}-title` }, sentence),
      s('rect', { class: 'track', x: 0, y: 4, width: 300, height: 12, rx: 3 }),
      s('rect', {
        class: 'value',
        x: 0,
        y: 4,
        width: x(o.rate ?? 0).toFixed(2),
        height: 12,
        rx: 3,
      }),
      s(
        'g',
        { class: 'warning-line' },
        s('line', { x1: x(o.warning), x2: x(o.warning), y1: 0, y2: 20 }),
        s(
          'text',
          {
            x: x(o.warning),
            y: 32,
            // Kept inside the box: a line near either end labels towards the middle.
            'text-anchor': x(o.warning) > 240 ? 'end' : x(o.warning) < 60 ? 'start' : 'middle',
          },
          `warning ${percent(o.warning)}`,
        ),
      ),
    ),
  );
}
