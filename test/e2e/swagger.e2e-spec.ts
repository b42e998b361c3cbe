import { chromium, type Browser, type Page } from 'playwright-core';
import { MailoverClient } from '../../src/client/mailover-client';
import { CHROMIUM } from '../support/e2e-setup';
import { signedRequest, startTestApp, type TestApp } from '../support/test-app';

// Debian's Chromium (CHROMIUM): the e2e tier's globalSetup installs it when missing. Playwright
// gives it a fresh, empty profile.
const KEY = { id: 'docs-key', secret: 'docs-secret-0123456789abcdef012', scopes: ['send', 'read'] };

/** /docs in headless Chromium: sign in with a key id and secret, send an email, see 202. */
describe('Swagger UI at /docs signs "Try it out" requests in the page', () => {
  let app: TestApp;
  let browser: Browser;
  let page: Page;
  /** Every request the page sent, with its headers. */
  const sent: Array<{
    url: string;
    method: string;
    headers: Record<string, string>;
    body: string | null;
  }> = [];
  /** The body Swagger UI prefilled for POST /v1/emails. */
  let prefilled = '';

  beforeAll(async () => {
    app = await startTestApp({ auth: { keys: [KEY] } });
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
    page = await browser.newPage();
    page.on('request', (request) =>
      sent.push({
        url: request.url(),
        method: request.method(),
        headers: request.headers(),
        body: request.postData(),
      }),
    );
    await page.goto(`${app.url}/docs`);
    await page.locator('.information-container').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('offers Authorize for a key id and secret', async () => {
    await page.locator('button.authorize').first().click();
    const dialog = page.locator('.auth-container').first();
    await dialog.locator('input[type="text"]').fill(KEY.id);
    await dialog.locator('input[type="password"]').fill(KEY.secret);
    await dialog.locator('button.authorize').click();
    await expectText(dialog, 'Logout');
    await page.locator('.btn-done').click();
  });

  it('sends an email from the page and shows 202', async () => {
    const operation = page.locator('#operations-emails-EmailsController_send');
    await operation.locator('.opblock-summary').click();
    await operation.locator('.try-out__btn').click();
    prefilled = await operation.locator('textarea.body-param__text').inputValue();
    const body = JSON.stringify({
      from: 'Acme Docs <docs@acme.test>',
      to: ['ann@example.com'],
      subject: 'Sent from /docs',
      text: 'Signed in the browser',
    });
    await operation.locator('textarea.body-param__text').fill(body);
    await operation.locator('.execute').click();
    const status = operation
      .locator('.live-responses-table tr.response .response-col_status')
      .first();
    await status.waitFor();
    expect((await status.innerText()).trim()).toBe('202');

    // It really is there.
    const responseText = await operation
      .locator('.live-responses-table tr.response .response-col_description pre')
      .first()
      .innerText();
    const { id } = JSON.parse(responseText) as { id: string };
    const client = new MailoverClient({ baseUrl: app.url, keyId: KEY.id, secret: KEY.secret });
    expect(await client.getEmail(id)).toMatchObject({
      subject: 'Sent from /docs',
      to: ['ann@example.com'],
    });
  });

  it('prefills POST /v1/emails with an example that is accepted as shown', async () => {
    expect(JSON.parse(prefilled)).toMatchObject({ attachments: [expect.any(Object)] });
    const res = await signedRequest(
      app.url,
      'POST',
      '/v1/emails',
      prefilled,
      { 'content-type': 'application/json' },
      KEY,
    );
    expect([res.status, res.json]).toEqual([202, expect.objectContaining({ status: 'scheduled' })]);
  });

  it('signs a bodyless GET with a query string too', async () => {
    const operation = page.locator('#operations-emails-EmailsController_list');
    await operation.locator('.opblock-summary').click();
    await operation.locator('.try-out__btn').click();
    await operation.locator('tr[data-param-name="limit"] input').fill('5');
    await operation.locator('.execute').click();
    const status = operation
      .locator('.live-responses-table tr.response .response-col_status')
      .first();
    await status.waitFor();
    expect((await status.innerText()).trim()).toBe('200');
  });

  it('signs a form-encoded body (the legacy POST /email)', async () => {
    const operation = page.locator('#operations-emails-EmailsController_sendLegacy');
    await operation.locator('.opblock-summary').click();
    await operation.locator('.try-out__btn').click();
    await operation
      .locator('tr[data-property-name="subject"] input[type="text"]')
      .fill('Form from /docs');
    await operation.locator('tr[data-property-name="send_at"] input[type="text"]').fill('');
    await operation.locator('.execute').click();
    const status = operation
      .locator('.live-responses-table tr.response .response-col_status')
      .first();
    await status.waitFor();
    expect((await status.innerText()).trim()).toBe('202');
    const form = sent.find((r) => r.url.endsWith('/email'));
    expect(form?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(form?.body).toContain('subject=Form%20from%20%2Fdocs');
  });

  it('never sent the secret, nor an Authorization header, over the wire', () => {
    const apiCalls = sent.filter((r) => new URL(r.url).pathname.startsWith('/v1/'));
    expect(apiCalls.map((r) => r.method)).toEqual(['POST', 'GET']);
    expect(sent.filter((r) => r.url.endsWith('/email'))).toHaveLength(1);
    for (const request of apiCalls) {
      expect(request.headers['x-mailover-key']).toBe(KEY.id);
      expect(request.headers['x-mailover-signature']).toMatch(/^v1=[0-9a-f]{64}$/);
      expect(request.headers.authorization).toBeUndefined();
    }
    const basic = Buffer.from(`${KEY.id}:${KEY.secret}`).toString('base64');
    for (const request of sent) {
      const wire = `${request.url}\n${JSON.stringify(request.headers)}\n${request.body ?? ''}`;
      expect(wire).not.toContain(KEY.secret);
      expect(wire).not.toContain(basic);
    }
  });

  it('keeps the secret out of the browser storage', async () => {
    // Source text: it runs in the page, whose globals the test's types do not include.
    const stored = await page.evaluate<string>(
      'JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie',
    );
    expect(stored).toMatch(/^\{.*\}\{.*\}/);
    expect(stored).not.toContain(KEY.secret);
  });
});

async function expectText(locator: ReturnType<Page['locator']>, text: string): Promise<void> {
  await locator.getByText(text, { exact: true }).first().waitFor();
}
