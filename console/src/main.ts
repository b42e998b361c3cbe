import { saveSession, UNAUTHORIZED_EVENT, call, problemText, type Session } from './api.js';
import { BASE, currentRoute, href, navigate, session, signOut, type Page } from './app.js';
import { append, clear, h, notice } from './dom.js';
import { emailPage } from './pages/email.js';
import { emailsPage } from './pages/emails.js';
import { overviewPage } from './pages/overview.js';
import { providersPage } from './pages/providers.js';
import { suppressionsPage } from './pages/suppressions.js';

interface Route {
  pattern: RegExp;
  title: string;
  nav: string;
  page: Page;
}

const ROUTES: Route[] = [
  { pattern: /^$/, title: 'Overview', nav: '', page: overviewPage },
  { pattern: /^emails$/, title: 'Emails', nav: 'emails', page: emailsPage },
  { pattern: /^emails\/([^/]+)$/, title: 'Email', nav: 'emails', page: emailPage },
  { pattern: /^providers$/, title: 'Providers', nav: 'providers', page: providersPage },
  { pattern: /^suppressions$/, title: 'Suppressions', nav: 'suppressions', page: suppressionsPage },
];

const NAV = [
  ['', 'Overview'],
  ['emails', 'Emails'],
  ['providers', 'Providers'],
  ['suppressions', 'Suppressions'],
] as const;

const root = document.getElementById('app')!;
let stopPolling: Array<() => void> = [];
/** Set when the API refused the key mid-session, shown on the sign-in form. */
let signInMessage: string | undefined;

function stop(): void {
  for (const s of stopPolling) s();
  stopPolling = [];
}

function signInForm(): void {
  stop();
  clear(root);
  document.title = 'Sign in · Mailover';
  const error = h('div', { id: 'sign-in-error' });
  if (signInMessage) error.append(notice(signInMessage));
  const keyId = h('input', {
    id: 'keyId',
    name: 'keyId',
    autocomplete: 'username',
    required: true,
    spellcheck: 'false',
  });
  const secret = h('input', {
    id: 'secret',
    name: 'secret',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
  });
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title' }, 'Mailover console'),
    h(
      'p',
      { class: 'muted' },
      'Sign in with an API key. The secret stays in this tab: every request is signed here and the secret is never sent.',
    ),
    h('label', { for: 'keyId' }, 'Key id'),
    keyId,
    h('label', { for: 'secret' }, 'Secret'),
    secret,
    submit,
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      clear(error);
      if (!window.isSecureContext || !crypto.subtle) {
        error.append(
          notice(
            'This page cannot sign requests here: open the console over HTTPS or on localhost.',
          ),
        );
        return;
      }
      submit.disabled = true;
      const candidate: Session = { keyId: keyId.value.trim(), secret: secret.value };
      try {
        const answer = await call(candidate, 'GET', '/v1/emails?limit=1');
        if (answer.status === 401) {
          error.append(
            notice(
              'Sign-in failed: the key id or secret is wrong (or this computer’s clock is more than 5 minutes off).',
            ),
          );
          secret.select();
          return;
        }
        if (answer.status === 403) {
          error.append(notice('This key has no read scope: the console needs a key with read.'));
          return;
        }
        if (!answer.ok) {
          error.append(notice(`Sign-in failed: ${problemText(answer)}`));
          return;
        }
        saveSession(candidate);
        signInMessage = undefined;
        render();
      } catch {
        error.append(notice('Mailover could not be reached.'));
      } finally {
        submit.disabled = false;
      }
    })();
  });
  root.append(h('main', { id: 'main', class: 'narrow' }, form));
  keyId.focus();
}

function shell(current: Session, route: Route): HTMLElement {
  const main = h('main', { id: 'main', tabindex: '-1' });
  const nav = h(
    'nav',
    { 'aria-label': 'Console' },
    h(
      'ul',
      {},
      NAV.map(([path, label]) =>
        h(
          'li',
          {},
          h('a', { href: href(path), 'aria-current': route.nav === path ? 'page' : null }, label),
        ),
      ),
    ),
  );
  const out = h(
    'button',
    {
      type: 'button',
      class: 'link',
      onclick: () => {
        signOut();
        render();
      },
    },
    'Sign out',
  );
  clear(root);
  append(root, [
    h('a', { class: 'skip', href: '#main' }, 'Skip to content'),
    h(
      'header',
      { class: 'top' },
      h('a', { class: 'brand', href: href('') }, 'Mailover'),
      nav,
      h('span', { class: 'who' }, h('span', { class: 'muted' }, 'key '), current.keyId, ' ', out),
    ),
    main,
  ]);
  return main;
}

async function render(): Promise<void> {
  stop();
  const current = session();
  if (!current) return signInForm();
  const path = currentRoute();
  const route = ROUTES.find((r) => r.pattern.test(path));
  if (!route) {
    const main = shell(current, ROUTES[0]);
    main.append(
      h('h1', {}, 'Not found'),
      h('p', {}, h('a', { href: href('') }, 'Back to the overview')),
    );
    return;
  }
  const main = shell(current, route);
  document.title = `${route.title} · Mailover`;
  const params = route.pattern.exec(path)!.slice(1);
  try {
    await route.page({
      session: current,
      main,
      params,
      query: new URLSearchParams(location.search),
      poll(fn, ms) {
        let timer: number | undefined;
        let stopped = false;
        const tick = async () => {
          if (stopped) return;
          if (document.visibilityState === 'visible') {
            try {
              await fn();
            } catch {
              // The page shows the error; keep polling.
            }
          }
          if (!stopped) timer = window.setTimeout(tick, ms);
        };
        timer = window.setTimeout(tick, ms);
        stopPolling.push(() => {
          stopped = true;
          window.clearTimeout(timer);
        });
      },
    });
  } catch (e) {
    main.append(notice((e as Error).message));
  }
}

// Links inside the console navigate without a reload.
document.addEventListener('click', (event) => {
  const a = (event.target as Element).closest?.('a');
  if (!a || event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || a.target) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !`${url.pathname}/`.startsWith(BASE)) return;
  if (a.getAttribute('href')?.startsWith('#')) return;
  event.preventDefault();
  navigate(url.pathname + url.search);
  document.getElementById('main')?.focus();
});

window.addEventListener('popstate', () => void render());
window.addEventListener(UNAUTHORIZED_EVENT, () => {
  signOut();
  signInMessage =
    'The API refused this key (wrong secret, disabled key, or clock skew). Sign in again.';
  render();
});

void render();
