import { get } from '../api.js';
import { href, type PageContext } from '../app.js';
import { badge, clear, h, notice } from '../dom.js';
import { minuteChart, rateGauge } from '../chart.js';
import { samples } from '../metrics-text.js';
import type { EmailPage, Provider, Stats } from '../types.js';

const REFRESH_MS = 5000;
const SAMPLE = 200;
/** The charts' window, and the rates' (the usual warning lines are judged over a day). */
const MINUTES = 60;
const RATE_HOURS = 24;

function duration(seconds: number): string {
  if (seconds < 1) return 'none waiting';
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Counts by status, the queue and the providers at a glance. */
export async function overviewPage(ctx: PageContext): Promise<void> {
  const body = h('div', {});
  const live = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  ctx.main.append(h('h1', {}, 'Overview'), live, body);

  const load = async () => {
    const [recent, providers, stats, metrics] = await Promise.all([
      get<EmailPage>(ctx.session, `/v1/emails?limit=${SAMPLE}`),
      get<{ items: Provider[] }>(ctx.session, '/v1/providers'),
      get<Stats>(ctx.session, `/v1/stats?minutes=${MINUTES}&rateHours=${RATE_HOURS}`),
      // /metrics is open; its queue gauges are read from the store (every replica's emails).
      fetch('/metrics', { credentials: 'omit', cache: 'no-store' }).then((r) =>
        r.ok ? r.text() : '',
      ),
    ]);
    clear(body);
    const queue = samples(metrics, 'mailover_queue_emails');
    const oldest = samples(metrics, 'mailover_queue_oldest_due_seconds')[0]?.value;
    const counts = new Map<string, number>();
    for (const e of recent.items) counts.set(e.status, (counts.get(e.status) ?? 0) + 1);

    const { rates } = stats;
    body.append(
      h(
        'section',
        { 'aria-labelledby': 'traffic-title', class: 'card traffic' },
        h('h2', { id: 'traffic-title' }, 'Sent and failed per minute, last hour'),
        h(
          'p',
          { class: 'muted' },
          'Attempts by provider, from the store (every replica). Sent above the line, failed below.',
        ),
        h(
          'div',
          { class: 'charts' },
          stats.providers.map((p) =>
            h(
              'section',
              { class: 'provider-chart', 'aria-labelledby': `traffic-${p.id}` },
              h('h3', { id: `traffic-${p.id}` }, p.id),
              minuteChart({
                title: `${p.id}: sent and failed per minute, last hour`,
                from: stats.window.from,
                up: { label: 'sent', values: p.sent, kind: 'bar-sent' },
                down: { label: 'failed', values: p.failed, kind: 'bar-failed' },
              }),
            ),
          ),
        ),
      ),
      h(
        'section',
        { 'aria-labelledby': 'rates-title', class: 'card rates' },
        h('h2', { id: 'rates-title' }, `Bounce and complaint rates, last ${rates.hours} hours`),
        h(
          'p',
          { class: 'muted' },
          `Bounced and complained provider events over emails sent in the last ${rates.hours} hours (${rates.sent} sent, ${rates.delivered} delivered reported).`,
        ),
        rateGauge({
          label: 'Bounce rate',
          noun: 'bounces',
          count: rates.bounced,
          sent: rates.sent,
          rate: rates.bounceRate,
          warning: rates.warnings.bounceRate,
        }),
        rateGauge({
          label: 'Complaint rate',
          noun: 'complaints',
          count: rates.complained,
          sent: rates.sent,
          rate: rates.complaintRate,
          warning: rates.warnings.complaintRate,
        }),
      ),
      h(
        'section',
        { 'aria-labelledby': 'queue-title', class: 'card' },
        h('h2', { id: 'queue-title' }, 'Outbox'),
        queue.length
          ? h(
              'dl',
              { class: 'kv' },
              queue.map((s) => [
                h('dt', {}, s.labels.status),
                h(
                  'dd',
                  {},
                  h('a', { href: `${href('emails')}?status=${s.labels.status}` }, String(s.value)),
                ),
              ]),
              h('dt', {}, 'oldest due'),
              h('dd', {}, oldest === undefined ? '–' : duration(oldest)),
            )
          : notice('The queue figures come from /metrics, which did not answer.', 'info'),
      ),
      h(
        'section',
        { 'aria-labelledby': 'recent-title', class: 'card' },
        h('h2', { id: 'recent-title' }, `Latest ${recent.items.length} emails by status`),
        h(
          'ul',
          { class: 'counts' },
          ['sent', 'failed', 'sending', 'queued', 'scheduled', 'cancelled'].map((s) =>
            h(
              'li',
              {},
              h('a', { href: `${href('emails')}?status=${s}` }, badge(s), ` ${counts.get(s) ?? 0}`),
            ),
          ),
        ),
      ),
      h(
        'section',
        { 'aria-labelledby': 'providers-title', class: 'card' },
        h('h2', { id: 'providers-title' }, h('a', { href: href('providers') }, 'Providers')),
        h(
          'ul',
          { class: 'counts' },
          providers.items.map((p) =>
            h(
              'li',
              {},
              h('strong', {}, p.id),
              ' ',
              badge(p.health),
              p.enabled ? null : [' ', badge('drained', 'disabled')],
              p.circuit !== 'closed'
                ? [' ', badge(`circuit ${p.circuit}`, `circuit-${p.circuit}`)]
                : null,
            ),
          ),
        ),
      ),
    );
    live.textContent = `Updated ${new Date().toLocaleTimeString()}`;
  };
  await load();
  ctx.poll(load, REFRESH_MS);
}
