import { call, problemText } from '../api.js';
import { href, navigate, type PageContext } from '../app.js';
import { clear, h, notice, timeEl } from '../dom.js';
import type { Suppression } from '../types.js';

/**
 * The suppression list (admin): search, add, remove, through /v1/suppressions when this server
 * has it; a clear "not available" otherwise.
 */
export async function suppressionsPage(ctx: PageContext): Promise<void> {
  const q = ctx.query.get('address') ?? '';
  const status = h('div', { id: 'suppression-status' });
  const results = h('div', {});
  ctx.main.append(h('h1', {}, 'Suppressions'), status);

  const first = await call<{ items: Suppression[] }>(
    ctx.session,
    'GET',
    `/v1/suppressions${q ? `?email=${encodeURIComponent(q)}` : ''}`,
  );
  if (first.status === 404) {
    status.append(
      notice(
        'Suppressions are not available on this server: it has no suppression API (/v1/suppressions).',
        'info',
      ),
    );
    return;
  }
  if (first.status === 403) {
    status.append(
      notice('Only keys with the admin scope can see and change the suppression list.'),
    );
    return;
  }

  const search = h('input', {
    id: 'suppression-search',
    name: 'address',
    type: 'search',
    value: q,
  });
  const searchForm = h(
    'form',
    { role: 'search', class: 'filters', 'aria-label': 'Search suppressions' },
    h('div', { class: 'field' }, h('label', { for: 'suppression-search' }, 'Address'), search),
    h('div', { class: 'field actions' }, h('button', { type: 'submit' }, 'Search')),
  );
  searchForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = search.value.trim();
    navigate(href('suppressions') + (value ? `?address=${encodeURIComponent(value)}` : ''));
  });

  const address = h('input', {
    id: 'suppression-add',
    name: 'address',
    type: 'email',
    required: true,
  });
  const addForm = h(
    'form',
    { class: 'filters', 'aria-label': 'Add a suppression' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'suppression-add' }, 'Suppress address'),
      address,
    ),
    h('div', { class: 'field actions' }, h('button', { type: 'submit' }, 'Add')),
  );
  addForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      clear(status);
      const value = address.value.trim();
      const answer = await call(
        ctx.session,
        'PUT',
        `/v1/suppressions/${encodeURIComponent(value)}`,
        { reason: 'manual' },
      );
      if (!answer.ok) return void status.append(notice(`Not added: ${problemText(answer)}`));
      status.append(notice(`${value} is suppressed.`, 'info'));
      address.value = '';
      await load();
    })();
  });
  ctx.main.append(searchForm, addForm, results);

  const draw = (items: Suppression[]) => {
    clear(results);
    if (!items.length) return void results.append(h('p', {}, 'No suppressed addresses match.'));
    results.append(
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Address', 'Reason', 'Since', 'Caused by', ''].map((c) =>
              h('th', { scope: 'col' }, c),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          items.map((s) => {
            const who = s.address ?? s.email ?? '';
            return h(
              'tr',
              {},
              h('td', { 'data-label': 'Address' }, who),
              h('td', { 'data-label': 'Reason' }, s.reason ?? ''),
              h('td', { 'data-label': 'Since' }, timeEl(s.createdAt)),
              h(
                'td',
                { 'data-label': 'Caused by' },
                s.emailId ? h('a', { href: href(`emails/${s.emailId}`) }, 'email') : null,
                s.eventId ? ` event ${s.eventId}` : null,
                s.providerId ? ` (${s.providerId})` : null,
              ),
              h(
                'td',
                {},
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'danger',
                    'aria-label': `Remove ${who}`,
                    onclick: () => void remove(who),
                  },
                  'Remove',
                ),
              ),
            );
          }),
        ),
      ),
    );
  };

  const remove = async (who: string) => {
    clear(status);
    const answer = await call(ctx.session, 'DELETE', `/v1/suppressions/${encodeURIComponent(who)}`);
    if (!answer.ok) return void status.append(notice(`Not removed: ${problemText(answer)}`));
    status.append(notice(`${who} is no longer suppressed.`, 'info'));
    await load();
  };

  const load = async () => {
    const answer = await call<{ items: Suppression[] }>(
      ctx.session,
      'GET',
      `/v1/suppressions${q ? `?email=${encodeURIComponent(q)}` : ''}`,
    );
    if (!answer.ok) return void status.append(notice(problemText(answer)));
    draw(answer.json.items ?? []);
  };
  if (first.ok) draw(first.json.items ?? []);
  else status.append(notice(problemText(first)));
}
