import { call, expectOk, get, problemText } from '../api.js';
import { href, type PageContext } from '../app.js';
import { append, badge, bytes, clear, h, notice, timeEl } from '../dom.js';
import type { Attempt, Email, EmailContent, EmailEvent, WebhookDelivery } from '../types.js';

const REFRESH_MS = 3000;
const FINAL = new Set(['sent', 'failed', 'cancelled']);
const CANCELLABLE = new Set(['queued', 'scheduled']);

const SKIP_REASONS: Record<string, string> = {
  'circuit-open': 'skipped: its circuit is open',
  suspect: 'skipped: it stopped answering (suspect)',
  saturated: 'skipped: its concurrency limit was reached',
};

const OUTCOME_TEXT: Record<string, string> = {
  sent: 'sent',
  retryable: 'failed (retryable): failed over',
  provider: 'failed (provider problem): failed over',
  ambiguous: 'no clear answer (ambiguous)',
  permanent: 'refused for this message (permanent): not failed over',
};

function attemptItem(a: Attempt, next: Attempt | undefined): HTMLLIElement {
  const skipped = a.outcome === 'skipped';
  const what = skipped
    ? (SKIP_REASONS[a.errorCode ?? ''] ?? `skipped (${a.errorCode ?? 'unavailable'})`)
    : (OUTCOME_TEXT[a.outcome] ?? a.outcome);
  const failover =
    a.outcome !== 'sent' && a.outcome !== 'permanent' && next && next.provider !== a.provider;
  return h(
    'li',
    { class: `step step-${a.outcome}` },
    h(
      'div',
      { class: 'step-head' },
      h('strong', { class: 'provider' }, a.provider),
      ' ',
      badge(a.outcome),
      ' ',
      h('span', {}, what),
    ),
    h(
      'div',
      { class: 'step-meta muted' },
      timeEl(a.at),
      skipped ? null : ` · ${a.durationMs} ms`,
      a.providerStatus !== null ? ` · status ${a.providerStatus}` : null,
      a.errorCode && !skipped ? ` · ${a.errorCode}` : null,
    ),
    a.error ? h('div', { class: 'step-error' }, a.error) : null,
    failover ? h('div', { class: 'step-failover' }, `→ next: ${next.provider}`) : null,
  );
}

function eventItem(e: EmailEvent): HTMLLIElement {
  const at = e.occurredAt ?? e.at ?? null;
  return h(
    'li',
    { class: `step step-event step-event-${e.type}` },
    h(
      'div',
      { class: 'step-head' },
      h('strong', {}, e.type),
      e.bounce ? ` (${e.bounce})` : null,
      e.recipient ? ` · ${e.recipient}` : null,
      ` · from ${e.provider ?? e.providerId ?? 'provider'}`,
    ),
    h('div', { class: 'step-meta muted' }, timeEl(at), e.detail ? ` · ${e.detail}` : null),
  );
}

function deliveryItem(d: WebhookDelivery): HTMLLIElement {
  const last = d.attempts[d.attempts.length - 1];
  return h(
    'li',
    { class: 'step step-webhook' },
    h(
      'div',
      { class: 'step-head' },
      h('strong', {}, `webhook ${d.type}`),
      ' → ',
      d.endpoint,
      ' ',
      badge(d.status),
    ),
    h(
      'div',
      { class: 'step-meta muted' },
      timeEl(d.createdAt),
      ` · ${d.attempts.length} attempt${d.attempts.length === 1 ? '' : 's'}`,
      last?.statusCode ? ` · last HTTP ${last.statusCode}` : null,
      last?.error ? ` · ${last.error}` : null,
    ),
  );
}

/** Tabs with the WAI-ARIA pattern: arrow keys move between tabs, Tab enters the panel. */
function tabs(items: Array<[string, () => Node]>): HTMLElement {
  const list = h('div', { role: 'tablist', 'aria-label': 'Content', class: 'tabs' });
  const panel = h('div', { role: 'tabpanel', id: 'content-panel', class: 'panel', tabindex: '0' });
  const buttons = items.map(([label], i) =>
    h(
      'button',
      { type: 'button', role: 'tab', id: `tab-${i}`, 'aria-controls': 'content-panel' },
      label,
    ),
  );
  const select = (i: number, focus = false) => {
    buttons.forEach((b, j) => {
      b.setAttribute('aria-selected', String(i === j));
      b.tabIndex = i === j ? 0 : -1;
    });
    panel.setAttribute('aria-labelledby', `tab-${i}`);
    clear(panel);
    panel.append(items[i][1]());
    if (focus) buttons[i].focus();
  };
  buttons.forEach((b, i) => {
    b.addEventListener('click', () => select(i));
    b.addEventListener('keydown', (event) => {
      const move = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (move) select((i + move + buttons.length) % buttons.length, true);
      if (event.key === 'Home') select(0, true);
      if (event.key === 'End') select(buttons.length - 1, true);
    });
  });
  list.append(...buttons);
  select(0);
  return h('div', {}, list, panel);
}

/** The stored HTML in an iframe that may not run scripts, reach its parent or navigate it. */
function preview(html: string): HTMLElement {
  const frame = h('iframe', {
    class: 'preview',
    title: 'The email’s HTML (scripts and remote images are blocked)',
    sandbox: '',
    referrerpolicy: 'no-referrer',
  });
  frame.srcdoc = html;
  return h(
    'div',
    {},
    frame,
    h('p', { class: 'muted' }, 'Scripts and remote content are not loaded in this preview.'),
  );
}

function contentTabs(content: EmailContent): HTMLElement {
  const headers = Object.entries(content.headers);
  return tabs([
    [
      'HTML',
      () => (content.html ? preview(content.html) : h('p', {}, 'This email has no HTML part.')),
    ],
    [
      'Text',
      () =>
        content.text
          ? h('pre', { class: 'text-part' }, content.text)
          : h('p', {}, 'This email has no text part.'),
    ],
    [
      'Headers',
      () =>
        headers.length || content.replyTo
          ? h(
              'dl',
              { class: 'kv' },
              content.replyTo ? [h('dt', {}, 'Reply-To'), h('dd', {}, content.replyTo)] : null,
              headers.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
            )
          : h('p', {}, 'No custom headers.'),
    ],
    [
      `Attachments (${content.attachments.length})`,
      () =>
        content.attachments.length
          ? h(
              'ul',
              { class: 'attachments' },
              content.attachments.map((a) =>
                h(
                  'li',
                  {},
                  h('strong', {}, a.filename),
                  ` · ${a.contentType} · ${bytes(a.size)}`,
                  a.contentId ? ` · inline (cid:${a.contentId})` : null,
                ),
              ),
            )
          : h('p', {}, 'No attachments.'),
    ],
  ]);
}

/** One email: its facts, a timeline of attempts across providers, then events; its content. */
export async function emailPage(ctx: PageContext): Promise<void> {
  const id = ctx.params[0];
  const summary = h('section', { 'aria-labelledby': 'email-title' });
  const timeline = h('section', { 'aria-labelledby': 'timeline-title', class: 'timeline' });
  const content = h('section', { 'aria-labelledby': 'content-title' });
  ctx.main.append(
    h('p', {}, h('a', { href: href('emails') }, '← Emails')),
    summary,
    timeline,
    content,
  );

  let deliveries: WebhookDelivery[] = [];
  let shown = '';
  const draw = (email: Email) => {
    const json = JSON.stringify([email, deliveries]);
    if (json === shown) return;
    shown = json;
    clear(summary);
    const cancel = CANCELLABLE.has(email.status)
      ? h(
          'button',
          { type: 'button', class: 'danger', onclick: () => void doCancel() },
          'Cancel this email',
        )
      : null;
    const status = h('div', { id: 'cancel-status' });
    append(summary, [
      h('h1', { id: 'email-title' }, email.subject || '(no subject)'),
      h(
        'dl',
        { class: 'kv' },
        h('dt', {}, 'Status'),
        h(
          'dd',
          {},
          badge(email.status),
          email.error ? h('span', { class: 'step-error' }, ` ${email.error}`) : null,
        ),
        h('dt', {}, 'From'),
        h('dd', {}, email.from),
        h('dt', {}, 'To'),
        h('dd', {}, email.to.join(', ')),
        email.cc.length ? [h('dt', {}, 'Cc'), h('dd', {}, email.cc.join(', '))] : null,
        email.bcc.length ? [h('dt', {}, 'Bcc'), h('dd', {}, email.bcc.join(', '))] : null,
        h('dt', {}, 'Provider'),
        h(
          'dd',
          {},
          email.provider ?? '–',
          email.providerMessageId
            ? h('span', { class: 'muted' }, ` (message id ${email.providerMessageId})`)
            : null,
        ),
        h('dt', {}, 'Created'),
        h('dd', {}, timeEl(email.createdAt)),
        email.sendAt ? [h('dt', {}, 'Send at'), h('dd', {}, timeEl(email.sendAt))] : null,
        email.tags.length ? [h('dt', {}, 'Tags'), h('dd', {}, email.tags.join(', '))] : null,
        h('dt', {}, 'Id'),
        h('dd', {}, h('code', {}, email.id)),
      ),
      cancel,
      status,
    ]);
    clear(timeline);
    const attempts = [...(email.attempts ?? [])].sort((a, b) => a.at.localeCompare(b.at));
    timeline.append(
      h('h2', { id: 'timeline-title' }, 'Journey'),
      h(
        'p',
        { class: 'muted' },
        `${attempts.length} attempt${attempts.length === 1 ? '' : 's'} over ${email.rounds} round${email.rounds === 1 ? '' : 's'}`,
      ),
      attempts.length
        ? h(
            'ol',
            { class: 'steps', 'aria-label': 'Attempts' },
            attempts.map((a, i) => attemptItem(a, attempts[i + 1])),
          )
        : h(
            'p',
            {},
            email.status === 'scheduled'
              ? 'Scheduled: no provider tried yet.'
              : 'No provider tried yet.',
          ),
    );
    if (email.events?.length) {
      timeline.append(
        h('h3', {}, 'Provider events'),
        h('ol', { class: 'steps', 'aria-label': 'Provider events' }, email.events.map(eventItem)),
      );
    }
    if (deliveries.length) {
      timeline.append(
        h('h3', {}, 'Webhooks to the application'),
        h(
          'ol',
          { class: 'steps', 'aria-label': 'Webhook deliveries' },
          deliveries.map(deliveryItem),
        ),
      );
    }

    async function doCancel() {
      clear(status);
      const answer = await call(ctx.session, 'DELETE', `/v1/emails/${encodeURIComponent(id)}`);
      if (!answer.ok) {
        status.append(notice(`Not cancelled: ${problemText(answer)}`));
        return;
      }
      await load();
      document.getElementById('cancel-status')?.append(notice('Cancelled.', 'info'));
    }
  };

  const load = async () => {
    const email = await get<Email>(ctx.session, `/v1/emails/${encodeURIComponent(id)}`);
    draw(email);
    return email;
  };

  let email: Email;
  try {
    email = await load();
  } catch (e) {
    summary.append(h('h1', { id: 'email-title' }, 'Email'), notice((e as Error).message));
    return;
  }
  const [body, hooks] = await Promise.all([
    call<EmailContent>(ctx.session, 'GET', `/v1/emails/${encodeURIComponent(id)}/content`),
    // Webhook deliveries to the application: an admin API that this server may not have (404).
    call<{ items: WebhookDelivery[] }>(
      ctx.session,
      'GET',
      `/v1/webhook-deliveries?emailId=${encodeURIComponent(id)}`,
    ),
  ]);
  if (hooks.ok && Array.isArray(hooks.json?.items)) {
    deliveries = hooks.json.items;
    draw(email);
  }
  content.append(h('h2', { id: 'content-title' }, 'Content'));
  try {
    content.append(contentTabs(expectOk(body)));
  } catch (e) {
    content.append(notice((e as Error).message));
  }
  // Until it is final its status moves; after, provider events may still arrive.
  ctx.poll(async () => void (await load()), FINAL.has(email.status) ? REFRESH_MS * 5 : REFRESH_MS);
}
