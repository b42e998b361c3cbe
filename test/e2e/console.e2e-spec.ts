import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { ResendFake } from '../fakes/resend.fake';
import { CHROMIUM } from '../support/e2e-setup';
import {
  eventually,
  FAST_DISPATCH,
  startTestApp,
  statusOf,
  TEST_KEY,
  type TestApp,
} from '../support/test-app';
import { resendSigned } from '../support/webhook-signing';

/** Both providers' webhook secret: the test posts their bounce and complaint events. */
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;

/** Screenshots of the run, kept as test artifacts (gitignored). */
const SHOTS = join(__dirname, '..', '..', 'test-artifacts', 'console');

/** Console errors the run must cause, each for a reason the test provokes; any other fails it. */
const EXPECTED_ERRORS: Array<{ what: string; text: RegExp; url?: RegExp }> = [
  { what: 'the wrong secret, refused', text: /status of 401/, url: /\/v1\/emails\?limit=1$/ },
  {
    what: "the email's own script, blocked by the sandbox",
    text: /^Blocked script execution in 'about:srcdoc' because the document's frame is sandboxed/,
  },
];

const failedOverEmail = {
  from: 'Acme Support <support@acme.test>',
  to: ['Ann Lee <ann@example.com>'],
  subject: 'Your trip receipt',
  html: '<h1 id="greeting">Hello Ann</h1><p style="color:#0a58ca">Paid in full.</p><script>document.title = "ran"</script>',
  text: 'Hello Ann. Paid in full.',
  headers: { 'X-Campaign': 'nov' },
  attachments: [
    {
      filename: 'receipt.txt',
      contentType: 'text/plain',
      content: Buffer.from('Thank you!').toString('base64'),
    },
  ],
  tags: ['receipt'],
};
const otherEmail = {
  from: 'Acme Support <support@acme.test>',
  to: ['bob@example.com'],
  subject: 'Welcome aboard',
  text: 'Hi Bob',
  tags: ['welcome'],
};

/** The console in headless Chromium: sign in, list, filter, one email's journey, providers. */
describe('the operator console at /console in a browser', () => {
  let primary: ResendFake;
  let backup: ResendFake;
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  let failedOverId: string;
  let otherId: string;
  const errors: ConsoleMessage[] = [];
  const pageErrors: Error[] = [];
  const wire: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    primary = new ResendFake({ apiKey: 're_primary_key_123' });
    backup = new ResendFake({ apiKey: 're_backup_key_456' });
    await primary.start();
    await backup.start();
    app = await startTestApp({
      dispatch: FAST_DISPATCH,
      providers: [
        {
          id: 'primary',
          type: 'resend',
          baseUrl: primary.url,
          apiKey: 're_primary_key_123',
          priority: 1,
          timeoutMs: 300,
          webhook: { secret: WEBHOOK_SECRET },
        },
        {
          id: 'backup',
          type: 'resend',
          baseUrl: backup.url,
          apiKey: 're_backup_key_456',
          priority: 2,
          timeoutMs: 300,
          webhook: { secret: WEBHOOK_SECRET },
        },
      ],
    });
    // The first email meets a 5xx at the primary and fails over to the backup.
    primary.inject({ kind: 'server-error' }, 1);
    failedOverId = (await app.request('POST', '/v1/emails', failedOverEmail)).json.id;
    const sent = await statusOf(app, failedOverId, ['sent']);
    expect(sent.attempts.map((a: { provider: string }) => a.provider)).toEqual([
      'primary',
      'backup',
    ]);
    otherId = (await app.request('POST', '/v1/emails', otherEmail)).json.id;
    expect((await statusOf(app, otherId, ['sent'])).provider).toBe('primary');

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => m.type() === 'error' && errors.push(m));
    page.on('pageerror', (e) => pageErrors.push(e));
    page.on('request', (r) =>
      wire.push(`${r.url()}\n${JSON.stringify(r.headers())}\n${r.postData() ?? ''}`),
    );
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await primary?.stop();
    await backup?.stop();
  });

  const shot = (name: string) =>
    page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

  it('asks for a key on a deep link, and refuses a wrong secret with a clear message and no data', async () => {
    await page.goto(`${app.url}/console/emails`);
    await page.locator('input[name="keyId"]').fill(TEST_KEY.id);
    await page.locator('input[name="secret"]').fill('not-the-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toMatch(/key id or secret is wrong/);
    expect(await page.locator('table').count()).toBe(0);
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await shot('sign-in-wrong-secret');
  });

  it('signs in and lists the emails, newest first', async () => {
    await page.locator('input[name="secret"]').fill(TEST_KEY.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const rows = page.locator('table.emails tbody tr');
    await rows.nth(1).waitFor();
    expect(await rows.locator('td[data-label="Subject"]').allInnerTexts()).toEqual([
      'Welcome aboard',
      'Your trip receipt',
    ]);
    expect(await rows.first().locator('td[data-label="Status"]').innerText()).toBe('sent');
    expect(await rows.nth(1).locator('td[data-label="Provider"]').innerText()).toBe('backup');
    expect(await rows.nth(1).locator('td[data-label="Recipients"]').innerText()).toBe(
      'Ann Lee <ann@example.com>',
    );
    await shot('emails');
  });

  it('filters by recipient, with the filter kept in the URL', async () => {
    await page.getByLabel('Recipient').fill('ann@example.com');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/recipient=ann%40example\.com/);
    await expect(page.locator('table.emails tbody tr').count()).resolves.toBe(1);
    expect(await page.locator('table.emails tbody td[data-label="Subject"]').innerText()).toBe(
      'Your trip receipt',
    );
    await page.getByLabel('Status').selectOption('failed');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/status=failed/);
    await page.getByText('No emails match.').waitFor();
    await page.goBack();
    await page.locator('table.emails tbody tr').first().waitFor();
    expect(await page.getByLabel('Recipient').inputValue()).toBe('ann@example.com');
  });

  it('opens the email that failed over and shows both providers in its timeline', async () => {
    await page.getByRole('link', { name: 'Your trip receipt' }).click();
    await page.waitForURL(new RegExp(`/console/emails/${failedOverId}$`));
    const steps = page.getByRole('list', { name: 'Attempts' }).locator('li');
    await steps.nth(1).waitFor();
    expect(await steps.locator('.provider').allInnerTexts()).toEqual(['primary', 'backup']);
    expect(await steps.nth(0).innerText()).toMatch(
      /retryable[\s\S]*status 500[\s\S]*→ next: backup/,
    );
    expect(await steps.nth(1).innerText()).toMatch(/sent/);
    await page.frameLocator('iframe.preview').locator('#greeting').waitFor();
    await shot('email-timeline');
    // The README's picture: the email's facts and its journey.
    const journey = await page.locator('section.timeline').boundingBox();
    await page.screenshot({
      path: join(SHOTS, 'readme-timeline.png'),
      clip: { x: 40, y: 50, width: 760, height: journey!.y + journey!.height - 40 },
    });
  });

  it('shows the HTML only in a sandboxed iframe that runs no script', async () => {
    const frame = page.locator('iframe.preview');
    expect(await frame.getAttribute('sandbox')).toBe('');
    await expect(
      page.frameLocator('iframe.preview').locator('#greeting').innerText(),
    ).resolves.toBe('Hello Ann');
    // The email's script would have renamed the console's tab, or its own document.
    expect(await page.title()).toBe('Email · Mailover');
  });

  it('switches content tabs with the keyboard: text, headers, attachments', async () => {
    await page.getByRole('tab', { name: 'HTML' }).focus();
    await page.keyboard.press('ArrowRight');
    await expect(
      page.getByRole('tab', { name: 'Text' }).getAttribute('aria-selected'),
    ).resolves.toBe('true');
    expect(await page.getByRole('tabpanel').innerText()).toBe('Hello Ann. Paid in full.');
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tabpanel').innerText()).toMatch(/X-Campaign\s+nov/);
    await page.keyboard.press('End');
    expect(await page.getByRole('tabpanel').innerText()).toMatch(
      /receipt\.txt · text\/plain · 10 B/,
    );
  });

  it('keeps the page and the session on a reload of the deep link', async () => {
    await page.reload();
    await page.getByRole('list', { name: 'Attempts' }).locator('li').nth(1).waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Your trip receipt');
  });

  it('shows the providers with their circuit and health, and drains and enables one', async () => {
    await page.getByRole('link', { name: 'Providers', exact: true }).click();
    const backupCard = page.locator('article', {
      has: page.getByRole('heading', { name: /^backup/ }),
    });
    await backupCard.waitFor();
    expect(await page.locator('article h2').allInnerTexts()).toEqual([
      'primary resend',
      'backup resend',
    ]);
    expect(await backupCard.innerText()).toMatch(/Circuit\s+closed/);
    expect(await backupCard.innerText()).toMatch(/Recent success\s+100 % of 1/);
    // From GET /v1/stats: the primary failed the first email over (a 500) and sent the second.
    const primaryCard = page.locator('article', {
      has: page.getByRole('heading', { name: /^primary/ }),
    });
    expect(await primaryCard.innerText()).toMatch(/Success, last hour\s+50 % of 2 \(1 failovers\)/);
    expect(await primaryCard.innerText()).toMatch(
      /Latency, last hour\s+p50 \d+ ms · p95 \d+ ms \(2 calls\)/,
    );
    expect(await backupCard.innerText()).toMatch(/Success, last hour\s+100 % of 1 \(0 failovers\)/);
    const bars = (card: typeof backupCard, kind: string) =>
      card.locator(`svg.minutes rect.${kind} title`).allTextContents();
    expect(await bars(primaryCard, 'bar-sent')).toEqual([expect.stringMatching(/: 1 sent$/)]);
    expect(await bars(primaryCard, 'bar-failover')).toEqual([
      expect.stringMatching(/: 1 failovers$/),
    ]);
    expect(await bars(backupCard, 'bar-sent')).toEqual([expect.stringMatching(/: 1 sent$/)]);
    expect(await bars(backupCard, 'bar-failover')).toEqual([]);
    // The chart says in words what it draws.
    expect(
      await primaryCard
        .getByRole('img', { name: 'primary: sends and failovers per minute, last hour' })
        .count(),
    ).toBe(1);
    expect(await primaryCard.locator('svg.minutes desc').textContent()).toMatch(
      /^Last 60 minutes, from .+: 1 sent \(at most 1 a minute, at .+\); 1 failovers \(at most 1 a minute, at .+\)\.$/,
    );
    await shot('providers');
    await backupCard.getByRole('button', { name: 'Drain backup' }).click();
    await backupCard.getByRole('button', { name: 'Enable backup' }).waitFor();
    const drained = await app.request('GET', '/v1/providers');
    expect(drained.json.items.find((p: { id: string }) => p.id === 'backup').enabled).toBe(false);
    await backupCard.getByRole('button', { name: 'Enable backup' }).click();
    await backupCard.getByRole('button', { name: 'Drain backup' }).waitFor();
    const enabled = await app.request('GET', '/v1/providers');
    expect(enabled.json.items.find((p: { id: string }) => p.id === 'backup').enabled).toBe(true);
  });

  it('shows the overview, and adds, finds and removes a suppression', async () => {
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    await page.getByRole('heading', { name: 'Latest 2 emails by status' }).waitFor();
    expect(await page.locator('.counts').first().innerText()).toMatch(/sent 2/);
    // Sent and failed per minute by provider, from GET /v1/stats.
    const traffic = page.locator('section.traffic');
    expect(await traffic.locator('h3').allInnerTexts()).toEqual(['primary', 'backup']);
    const chartOf = (id: string) =>
      traffic.locator('section.provider-chart', { has: page.getByRole('heading', { name: id }) });
    const titles = (id: string, kind: string) =>
      chartOf(id).locator(`rect.${kind} title`).allTextContents();
    expect(await titles('primary', 'bar-sent')).toEqual([expect.stringMatching(/: 1 sent$/)]);
    expect(await titles('primary', 'bar-failed')).toEqual([expect.stringMatching(/: 1 failed$/)]);
    expect(await titles('backup', 'bar-sent')).toEqual([expect.stringMatching(/: 1 sent$/)]);
    expect(await titles('backup', 'bar-failed')).toEqual([]);
    expect(await chartOf('primary').locator('figcaption').innerText()).toMatch(/1 sent\s+1 failed/);
    // A bar's height follows its value: both of the primary's are the full scale (1 a minute),
    // 52 units above the axis, 40 below it (console/src/chart.ts).
    const heights = await chartOf('primary')
      .locator('rect.bar')
      .evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('height'))));
    expect(heights.sort((a, b) => a - b)).toEqual([40, 52]);
    // No event yet: both rates 0 %, below their lines.
    const rates = page.locator('section.rates');
    expect(await rates.getByRole('heading', { level: 2 }).innerText()).toBe(
      'Bounce and complaint rates, last 24 hours',
    );
    expect(await rates.locator('figure').allInnerTexts()).toEqual([
      expect.stringMatching(/^Bounce rate 0 %\s+0 of 2 sent · below the 5 % warning line/),
      expect.stringMatching(/^Complaint rate 0 %\s+0 of 2 sent · below the 0\.1 % warning line/),
    ]);
    await shot('overview');
    await page.getByRole('link', { name: 'Suppressions', exact: true }).click();
    await page.getByLabel('Suppress address').fill('Blocked@Example.com');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('cell', { name: 'blocked@example.com', exact: true }).waitFor();
    const listed = await app.request('GET', '/v1/suppressions?email=blocked@example.com');
    expect(listed.json.items).toEqual([
      expect.objectContaining({ email: 'blocked@example.com', reason: 'manual' }),
    ]);
    await shot('suppressions');
    await page.getByRole('button', { name: /Remove/ }).click();
    await page.getByText('No suppressed addresses match.').waitFor();
    expect((await app.request('GET', '/v1/suppressions')).json.items).toEqual([]);
  });

  it('shows bounce and complaint rates from provider events against 5 % and 0.1 %', async () => {
    // Bounces and complaints suppress their addresses: after the suppressions test, which
    // expects an empty list.
    const event = (type: string, emailId: string, to: string, extra = {}) =>
      resendSigned(WEBHOOK_SECRET, {
        type,
        created_at: new Date().toISOString(),
        data: { email_id: `rs-${emailId}`, to: [to], tags: { mailover_id: emailId }, ...extra },
      });
    const post = async (providerId: string, w: ReturnType<typeof resendSigned>) => {
      const res = await fetch(`${app.url}/v1/webhooks/${providerId}`, {
        method: 'POST',
        headers: w.headers,
        body: w.body,
      });
      expect(res.status).toBe(200);
    };
    await post('backup', event('email.delivered', failedOverId, 'ann@example.com'));
    await post(
      'backup',
      event('email.bounced', failedOverId, 'ann@example.com', {
        bounce: { type: 'Permanent', message: 'no such mailbox' },
      }),
    );
    await post('primary', event('email.complained', otherId, 'bob@example.com'));
    await eventually(async () => {
      const stats = await app.request('GET', '/v1/stats');
      return stats.json.rates.complained === 1 && stats.json.rates.bounced === 1;
    });
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    const rates = page.locator('section.rates');
    await rates.getByText('Bounce rate', { exact: true }).waitFor();
    expect(await rates.locator('p.muted').innerText()).toMatch(/\(2 sent, 1 delivered reported\)/);
    expect(await rates.locator('figure').allInnerTexts()).toEqual([
      expect.stringMatching(/^Bounce rate 50 %\s+1 of 2 sent · above the 5 % warning line/),
      expect.stringMatching(/^Complaint rate 50 %\s+1 of 2 sent · above the 0\.1 % warning line/),
    ]);
    // Each gauge is an image named by its sentence, and its warning line is labelled.
    await rates
      .getByRole('img', {
        name: 'Bounce rate: 50 % (1 bounces of 2 sent), above the 5 % warning line.',
      })
      .waitFor();
    expect(await rates.locator('.warning-line text').allTextContents()).toEqual([
      'warning 5 %',
      'warning 0.1 %',
    ]);
    expect(await rates.locator('figure.gauge-over').count()).toBe(2);
    // The bar reaches past its warning line.
    const [bounceBar, bounceLine] = await Promise.all([
      rates.locator('figure').first().locator('rect.value').getAttribute('width'),
      rates.locator('figure').first().locator('.warning-line line').getAttribute('x1'),
    ]);
    expect(Number(bounceBar)).toBeGreaterThan(Number(bounceLine));
    await shot('overview-rates');
  });

  it('is readable at 390 px wide', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${app.url}/console/emails`);
    await page.locator('table.emails tbody tr').first().waitFor();
    const overflow = await page.evaluate<boolean>(
      'document.documentElement.scrollWidth > window.innerWidth',
    );
    expect(overflow).toBe(false);
    await shot('emails-390');
    await page.goto(`${app.url}/console/emails/${failedOverId}`);
    await page.getByRole('list', { name: 'Attempts' }).locator('li').nth(1).waitFor();
    await page.frameLocator('iframe.preview').locator('#greeting').waitFor();
    expect(
      await page.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth'),
    ).toBe(false);
    await shot('email-390');
    for (const [path, ready, name] of [
      ['', 'section.rates figure.gauge-over', 'overview-390'],
      ['providers', 'article svg.minutes', 'providers-390'],
    ] as const) {
      await page.goto(`${app.url}/console/${path}`);
      await page.locator(ready).first().waitFor();
      expect(
        await page.evaluate<boolean>('document.documentElement.scrollWidth > window.innerWidth'),
      ).toBe(false);
      // The charts fill the narrow card rather than shrinking their words.
      const width = await page.locator('svg.minutes').first().boundingBox();
      expect(width!.width).toBeGreaterThan(300);
      await shot(name);
    }
  });

  it('never sent the secret, and logged no console error it did not provoke', () => {
    for (const request of wire) expect(request).not.toContain(TEST_KEY.secret);
    expect(pageErrors.map((e) => e.message)).toEqual([]);
    const unexpected = errors.filter(
      (m) =>
        !EXPECTED_ERRORS.some(
          (e) => e.text.test(m.text()) && (!e.url || e.url.test(m.location().url)),
        ),
    );
    expect(unexpected.map((m) => `${m.text()} (${m.location().url})`)).toEqual([]);
    // Each provoked one did happen (so the filter above is not what hides them).
    const seen = EXPECTED_ERRORS.filter((e) =>
      errors.some((m) => e.text.test(m.text()) && (!e.url || e.url.test(m.location().url))),
    );
    expect(seen.map((e) => e.what)).toEqual(EXPECTED_ERRORS.map((e) => e.what));
  });
});
