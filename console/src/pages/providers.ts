import { call, get, problemText } from '../api.js';
import { href, type PageContext } from '../app.js';
import { badge, clear, h, notice, timeEl } from '../dom.js';
import { minuteChart, percent } from '../chart.js';
import type { Provider, ProviderStats, Stats } from '../types.js';

const REFRESH_MS = 3000;
/** The window of the chart, latency and success rate (from the store: every replica's sends). */
const MINUTES = 60;
const STATS_MS = 15_000;

function latency(s: ProviderStats | undefined): string {
  return s?.latencyMs
    ? `p50 ${s.latencyMs.p50} ms · p95 ${s.latencyMs.p95} ms (${s.latencyMs.calls} calls)`
    : 'no calls';
}

function success(s: ProviderStats | undefined): string {
  if (!s || s.successRate === null) return 'no calls';
  const calls = s.totals.sent + s.totals.failed;
  return `${percent(s.successRate)} of ${calls} (${s.totals.failovers} failovers${s.totals.skipped ? `, ${s.totals.skipped} skipped` : ''})`;
}

function rate(p: Provider): string {
  return p.recentSuccessRate === null
    ? '–'
    : `${Math.round(p.recentSuccessRate * 100)} % of ${p.recentOutcomes}`;
}

/** Every provider's state, circuit and recent success; drain and enable (admin keys). */
export async function providersPage(ctx: PageContext): Promise<void> {
  const live = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  const actionStatus = h('div', { id: 'provider-action' });
  const list = h('div', { class: 'cards' });
  ctx.main.append(
    h('h1', {}, 'Providers'),
    h(
      'p',
      { class: 'muted' },
      'In routing order. Draining a provider sends nothing new to it, on every replica, until it is enabled (admin keys).',
    ),
    actionStatus,
    live,
    list,
  );

  const toggle = async (p: Provider) => {
    clear(actionStatus);
    const action = p.enabled ? 'disable' : 'enable';
    const answer = await call(
      ctx.session,
      'POST',
      `/v1/providers/${encodeURIComponent(p.id)}/${action}`,
    );
    if (!answer.ok) {
      actionStatus.append(notice(`${p.id}: ${problemText(answer)}`));
      return;
    }
    actionStatus.append(notice(`${p.id} is ${p.enabled ? 'drained' : 'enabled'}.`, 'info'));
    await load();
  };

  let shown = '';
  let stats: Stats | undefined;
  let statsAt = 0;
  const load = async () => {
    // The circuit and health change by the second; the hour's figures need not be re-read as often.
    const fresh = Date.now() - statsAt < STATS_MS;
    const [{ items }, latest] = await Promise.all([
      get<{ items: Provider[] }>(ctx.session, '/v1/providers'),
      fresh && stats ? stats : get<Stats>(ctx.session, `/v1/stats?minutes=${MINUTES}&rateHours=1`),
    ]);
    if (latest !== stats) statsAt = Date.now();
    stats = latest;
    const window = latest.window;
    live.textContent = `Updated ${new Date().toLocaleTimeString()}`;
    const json = JSON.stringify([items, latest.providers, window.from]);
    if (json === shown) return;
    shown = json;
    clear(list);
    const sorted = [...items].sort((a, b) => a.priority - b.priority || a.id.localeCompare(b.id));
    const statsOf = new Map(latest.providers.map((s) => [s.id, s]));
    list.append(
      ...sorted.map((p) =>
        h(
          'article',
          { class: `card provider health-${p.health}`, 'aria-labelledby': `provider-${p.id}` },
          h('h2', { id: `provider-${p.id}` }, p.id, ' ', h('span', { class: 'muted' }, p.type)),
          h(
            'dl',
            { class: 'kv' },
            h('dt', {}, 'State'),
            h('dd', {}, p.enabled ? badge('enabled') : badge('drained', 'disabled')),
            h('dt', {}, 'Health'),
            h('dd', {}, badge(p.health), p.suspect ? [' ', badge('suspect')] : null),
            h('dt', {}, 'Circuit'),
            h('dd', {}, badge(p.circuit, `circuit-${p.circuit}`)),
            h('dt', {}, 'Recent success'),
            h('dd', {}, rate(p)),
            h('dt', {}, 'Success, last hour'),
            h('dd', {}, success(statsOf.get(p.id))),
            h('dt', {}, 'Latency, last hour'),
            h('dd', {}, latency(statsOf.get(p.id))),
            h('dt', {}, 'Priority / weight'),
            h('dd', {}, `${p.priority} / ${p.weight}`),
            h('dt', {}, 'Last success'),
            h('dd', {}, p.lastSuccessAt ? timeEl(p.lastSuccessAt) : '–'),
            p.lastError
              ? [
                  h('dt', {}, 'Last error'),
                  h(
                    'dd',
                    { class: 'step-error' },
                    `${p.lastError.kind}: ${p.lastError.message} (`,
                    timeEl(p.lastError.at),
                    ')',
                  ),
                ]
              : null,
          ),
          h('h3', {}, 'Sends and failovers, last hour'),
          minuteChart({
            title: `${p.id}: sends and failovers per minute, last hour`,
            from: window.from,
            up: {
              label: 'sent',
              values: statsOf.get(p.id)?.sent ?? new Array<number>(MINUTES).fill(0),
              kind: 'bar-sent',
            },
            down: {
              label: 'failovers',
              values: statsOf.get(p.id)?.failovers ?? new Array<number>(MINUTES).fill(0),
              kind: 'bar-failover',
            },
          }),
          h(
            'p',
            { class: 'row' },
            h(
              'a',
              { href: `${href('emails')}?provider=${encodeURIComponent(p.id)}` },
              `Emails sent by ${p.id}`,
            ),
            h(
              'button',
              { type: 'button', class: p.enabled ? 'danger' : '', onclick: () => void toggle(p) },
              p.enabled ? `Drain ${p.id}` : `Enable ${p.id}`,
            ),
          ),
        ),
      ),
    );
  };
  await load();
  ctx.poll(load, REFRESH_MS);
}
