import { startTestApp, signedRequest, type TestApp } from '../support/test-app';

const ALICE = {
  id: 'alice-key',
  secret: 'alice-secret-0123456789abcdef0123',
  scopes: ['send', 'read'],
  tenant: 'acme',
};
const BOB = {
  id: 'bob-key',
  secret: 'bob-secret-0123456789abcdef012345',
  scopes: ['send', 'read'],
  tenant: 'globex',
};
const SENDER = {
  id: 'send-key',
  secret: 'send-secret-0123456789abcdef01234',
  scopes: ['send'],
  tenant: 'acme',
};
const ADMIN = {
  id: 'admin-key',
  secret: 'admin-secret-0123456789abcdef0123',
  scopes: ['send', 'read', 'admin'],
};

const EMAIL = {
  from: 'Acme <support@acme.test>',
  to: ['ann@example.com'],
  replyTo: 'help@acme.test',
  subject: 'Your receipt',
  html: '<h1>Thanks</h1><p style="color:red">Paid</p>',
  text: 'Thanks: paid',
  headers: { 'X-Campaign': 'nov' },
  attachments: [
    {
      filename: 'receipt.txt',
      contentType: 'text/plain',
      content: Buffer.from('Thank you!').toString('base64'),
    },
  ],
};

describe('GET /v1/emails/:id/content', () => {
  let app: TestApp;
  let id: string;

  beforeAll(async () => {
    app = await startTestApp({ auth: { keys: [ALICE, BOB, SENDER, ADMIN] } });
    const res = await signedRequest(app.url, 'POST', '/v1/emails', EMAIL, {}, ALICE);
    expect(res.status).toBe(202);
    id = res.json.id;
  });
  afterAll(() => app?.close());

  it('answers the bodies, custom headers and attachment names and sizes, never their bytes', async () => {
    const res = await signedRequest(
      app.url,
      'GET',
      `/v1/emails/${id}/content`,
      undefined,
      {},
      ALICE,
    );
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      id,
      html: EMAIL.html,
      text: EMAIL.text,
      replyTo: 'help@acme.test',
      headers: { 'X-Campaign': 'nov' },
      attachments: [
        { filename: 'receipt.txt', contentType: 'text/plain', size: 10, contentId: null },
      ],
    });
    expect(res.text).not.toContain(EMAIL.attachments[0].content);
  });

  it('is tenant-scoped: another tenant gets 404, an admin key sees it', async () => {
    const other = await signedRequest(
      app.url,
      'GET',
      `/v1/emails/${id}/content`,
      undefined,
      {},
      BOB,
    );
    expect(other.status).toBe(404);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(other.text).not.toContain('Thanks');
    const admin = await signedRequest(
      app.url,
      'GET',
      `/v1/emails/${id}/content`,
      undefined,
      {},
      ADMIN,
    );
    expect(admin.status).toBe(200);
  });

  it('needs the read scope and a signature', async () => {
    const sender = await signedRequest(
      app.url,
      'GET',
      `/v1/emails/${id}/content`,
      undefined,
      {},
      SENDER,
    );
    expect(sender.status).toBe(403);
    const unsigned = await fetch(`${app.url}/v1/emails/${id}/content`);
    expect(unsigned.status).toBe(401);
    expect(await unsigned.text()).not.toContain('Thanks');
  });
});

describe('the console is served at server.consolePath', () => {
  let app: TestApp;
  afterEach(() => app?.close());

  it('serves /console and deep links with index.html under a strict CSP, and files as themselves', async () => {
    app = await startTestApp({});
    for (const path of [
      '/console',
      '/console/',
      '/console/emails',
      '/console/emails/01JD3Q1ZK6W5V9X8Y7T6S5R4Q3',
    ]) {
      const res = await fetch(app.url + path);
      expect([path, res.status]).toEqual([path, 200]);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await res.text();
      expect(html).toContain('<base href="/console/" />');
      expect(html).toContain('<script type="module" src="main.js"></script>');
      // No inline script anywhere in the page.
      expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script type="module" src="main.js">']);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("script-src 'self';");
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/script-src[^;]*(unsafe|data:|\*)/);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const js = await fetch(`${app.url}/console/main.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const page = await fetch(`${app.url}/console/pages/email.js`);
    expect(page.status).toBe(200);
    const etag = page.headers.get('etag')!;
    const again = await fetch(`${app.url}/console/pages/email.js`, {
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    const missing = await fetch(`${app.url}/console/nothing-here.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('leaves /docs with its own policy (scripts by hash) and the API untouched', async () => {
    app = await startTestApp({});
    const docs = await fetch(`${app.url}/docs`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')).toMatch(/script-src 'self' 'sha256-/);
    expect(docs.headers.get('content-security-policy')).not.toContain("default-src 'none'");
    expect((await fetch(`${app.url}/v1/emails`)).status).toBe(401);
  });

  it('moves to another path, or turns off with false', async () => {
    app = await startTestApp({ server: { consolePath: '/ops/console' } });
    const moved = await fetch(`${app.url}/ops/console/emails`);
    expect(moved.status).toBe(200);
    expect(await moved.text()).toContain('<base href="/ops/console/" />');
    expect((await fetch(`${app.url}/console`)).status).toBe(404);
    await app.close();

    app = await startTestApp({ server: { consolePath: false } });
    expect((await fetch(`${app.url}/console`)).status).toBe(404);
    expect((await fetch(`${app.url}/console/main.js`)).status).toBe(404);
  });

  it('refuses a path that would shadow the API', async () => {
    await expect(startTestApp({ server: { consolePath: '/v1' } })).rejects.toThrow(
      /server\.consolePath: must be a path such as \/console/,
    );
    await expect(startTestApp({ server: { consolePath: 'console' } })).rejects.toThrow(
      /server\.consolePath/,
    );
  });
});
