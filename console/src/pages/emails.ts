import { get } from '../api.js';
import { href, navigate, type PageContext } from '../app.js';
import { badge, clear, h, notice, timeEl } from '../dom.js';
import type { EmailPage } from '../types.js';

const STATUSES = ['queued', 'scheduled', 'sending', 'sent', 'failed', 'cancelled'];
const FILTERS = ['status', 'recipient', 'provider', 'tag', 'since', 'until'] as const;
const REFRESH_MS = 5000;

/** `datetime-local` value (local time) to ISO 8601, and back. */
function toIso(local: string): string {
  return local ? new Date(local).toISOString() : '';
}
function toLocal(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Emails, newest first, with the filters kept in the URL; refreshed while the page is open. */
export async function emailsPage(ctx: PageContext): Promise<void> {
  const q = ctx.query;
  const field = (name: string, label: string, input: HTMLInputElement | HTMLSelectElement) => {
    input.id = `filter-${name}`;
    input.name = name;
    return h('div', { class: 'field' }, h('label', { for: input.id }, label), input);
  };
  const status = h(
    'select',
    {},
    h('option', { value: '' }, 'any'),
    STATUSES.map((s) => h('option', { value: s, selected: q.get('status') === s }, s)),
  );
  const recipient = h('input', {
    type: 'search',
    value: q.get('recipient') ?? '',
    placeholder: 'ann@example.com',
  });
  const provider = h('input', { type: 'search', value: q.get('provider') ?? '' });
  const tag = h('input', { type: 'search', value: q.get('tag') ?? '' });
  const since = h('input', { type: 'datetime-local', value: toLocal(q.get('since')) });
  const until = h('input', { type: 'datetime-local', value: toLocal(q.get('until')) });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter emails' },
    field('status', 'Status', status),
    field('recipient', 'Recipient', recipient),
    field('provider', 'Provider', provider),
    field('tag', 'Tag', tag),
    field('since', 'Since', since),
    field('until', 'Until', until),
    h(
      'div',
      { class: 'field actions' },
      h('button', { type: 'submit' }, 'Filter'),
      h('a', { href: href('emails') }, 'Clear'),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    const values: Record<(typeof FILTERS)[number], string> = {
      status: status.value,
      recipient: recipient.value.trim(),
      provider: provider.value.trim(),
      tag: tag.value.trim(),
      since: toIso(since.value),
      until: toIso(until.value),
    };
    for (const name of FILTERS) if (values[name]) next.set(name, values[name]);
    const search = next.toString();
    navigate(href('emails') + (search ? `?${search}` : ''));
  });

  const live = h('p', { class: 'muted', role: 'status', 'aria-live': 'polite' });
  const results = h('div', { class: 'results' });
  ctx.main.append(h('h1', {}, 'Emails'), form, live, results);

  const api = new URLSearchParams();
  for (const name of FILTERS) {
    const value = q.get(name);
    if (value) api.set(name, value);
  }
  api.set('limit', '50');
  const cursor = q.get('cursor');
  if (cursor) api.set('cursor', cursor);

  let shown = '';
  const load = async () => {
    let page: EmailPage;
    try {
      page = await get<EmailPage>(ctx.session, `/v1/emails?${api.toString()}`);
    } catch (e) {
      clear(results);
      results.append(notice((e as Error).message));
      throw e;
    }
    live.textContent = `${page.items.length} email${page.items.length === 1 ? '' : 's'}${page.nextCursor ? ' on this page' : ''} · updated ${new Date().toLocaleTimeString()}`;
    // Redraw only what changed, so a poll does not move the keyboard focus for nothing.
    const json = JSON.stringify(page);
    if (json === shown) return;
    shown = json;
    clear(results);
    if (!page.items.length) {
      results.append(h('p', {}, 'No emails match.'));
      return;
    }
    results.append(
      h(
        'table',
        { class: 'emails' },
        h('caption', { class: 'visually-hidden' }, 'Emails, newest first'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Subject', 'Recipients', 'Status', 'Provider', 'Created'].map((c) =>
              h('th', { scope: 'col' }, c),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          page.items.map((e) =>
            h(
              'tr',
              {},
              h(
                'td',
                { 'data-label': 'Subject' },
                h('a', { href: href(`emails/${e.id}`) }, e.subject || '(no subject)'),
              ),
              h(
                'td',
                { 'data-label': 'Recipients', class: 'wrap' },
                [...e.to, ...e.cc, ...e.bcc].join(', '),
              ),
              h('td', { 'data-label': 'Status' }, badge(e.status)),
              h('td', { 'data-label': 'Provider' }, e.provider ?? '–'),
              h('td', { 'data-label': 'Created' }, timeEl(e.createdAt)),
            ),
          ),
        ),
      ),
    );
    if (page.nextCursor) {
      const next = new URLSearchParams(q);
      next.set('cursor', page.nextCursor);
      results.append(
        h(
          'p',
          {},
          h('a', { href: `${href('emails')}?${next.toString()}`, rel: 'next' }, 'Older emails'),
        ),
      );
    }
  };
  await load();
  // The first page follows new emails; an older page (a cursor) stays as it is.
  if (!cursor) ctx.poll(load, REFRESH_MS);
}
