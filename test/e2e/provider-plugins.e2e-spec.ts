import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config/config.loader';
import { ThreadTransport } from '../../src/providers/http/http-thread';
import { HttpTransport } from '../../src/providers/http/http-transport';
import { InlineTransport } from '../../src/providers/http/inline-transport';
import { PROVIDER_PLUGINS, ProviderRegistry } from '../../src/providers/provider.registry';
import { SmtpFake } from '../fakes/smtp.fake';
import { acmePlugin } from '../plugins/acme/acme.plugin';
import { AcmeFake } from '../plugins/acme/acme.fake';
import { FAST_DISPATCH, startTestApp, statusOf, type TestApp } from '../support/test-app';

const ACME_KEY = 'acme-key-5e1f0c9a7b3d';
const email = {
  from: 'Acme Support <support@acme.test>',
  to: ['Ann Lee <ann@example.com>'],
  subject: 'Through a plug-in',
  text: 'Hi',
  metadata: { order: '42' },
};

function problemsOf(providers: unknown[], registry?: ProviderRegistry): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'mailover-plugins-'));
  const file = join(dir, 'overlay.yaml');
  writeFileSync(file, stringify({ providers }));
  try {
    loadConfig({ MAILOVER_CONFIG: file, MAILOVER_DATA_DIR: dir }, undefined, registry);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  return [];
}

describe('a provider plug-in from outside src/ (test/plugins/acme)', () => {
  const fake = new AcmeFake(ACME_KEY);
  const registry = new ProviderRegistry([...PROVIDER_PLUGINS, acmePlugin]);
  let app: TestApp;

  beforeAll(async () => {
    const baseUrl = await fake.start();
    app = await startTestApp(
      {
        dispatch: FAST_DISPATCH,
        providers: [
          {
            id: 'acme-main',
            type: 'acme',
            baseUrl,
            apiKey: ACME_KEY,
            channel: 'news',
            timeoutMs: 2000,
          },
        ],
      },
      undefined,
      registry,
    );
  });
  afterAll(async () => {
    await app?.close();
    await fake.stop();
  });

  it('boots the app with it and delivers an email through it over HTTP', async () => {
    const accepted = await app.request('POST', '/v1/emails', email);
    expect(accepted.status).toBe(202);
    const id = accepted.json.id as string;
    const sent = await statusOf(app, id, ['sent']);
    expect(sent.provider).toBe('acme-main');
    expect(sent.providerMessageId).toMatch(/^acme-/);

    const req = fake.requests.at(-1)!;
    expect(req.path).toBe('/v1/send');
    expect(req.headers['x-acme-key']).toBe(ACME_KEY);
    expect(req.json).toEqual({
      channel: 'news',
      from: 'Acme Support <support@acme.test>',
      to: ['ann@example.com'],
      subject: 'Through a plug-in',
      text: 'Hi',
      meta: { order: '42', mailover_id: id },
    });
  });

  it('lists it with its type and capabilities, and never its key', async () => {
    const res = await app.request('GET', '/v1/providers');
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(ACME_KEY);
    expect(res.json.items ?? res.json).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: 'acme-main',
          type: 'acme',
          capabilities: acmePlugin.capabilities,
        }),
      ]),
    );
  });

  it('validates its settings strictly, like a shipped type', () => {
    const acme = { id: 'a', type: 'acme', apiKey: 'k' };
    expect(problemsOf([{ ...acme, domain: 'mg.example.com' }], registry)).toEqual([
      'providers[0].domain: is not a setting of type acme',
    ]);
    expect(problemsOf([{ id: 'b', type: 'acme' }], registry)).toEqual([
      'providers[0].apiKey: must be set',
    ]);
    expect(
      problemsOf([{ id: 'm', type: 'mailgun', apiKey: 'k', domain: 'd', channel: 'x' }], registry),
    ).toEqual(['providers[0].channel: is not a setting of type mailgun']);
  });

  it('is unknown without its registry entry', () => {
    expect(problemsOf([{ id: 'a', type: 'acme', apiKey: 'k' }])).toEqual([
      expect.stringMatching(/^providers\[0\]\.type: must be one of mailgun, .*sandbox$/),
    ]);
  });
});

describe('an SMTP relay without STARTTLS (requireTls: false)', () => {
  const fake = new SmtpFake({ user: 'relay-user', pass: 'relay-pass-0b7c3e' });
  let app: TestApp;

  beforeAll(async () => {
    const port = await fake.start();
    app = await startTestApp({
      dispatch: FAST_DISPATCH,
      providers: [
        {
          id: 'relay',
          type: 'smtp',
          host: fake.host,
          port,
          requireTls: false,
          timeoutMs: 2000,
          user: 'relay-user',
          pass: 'relay-pass-0b7c3e',
        },
      ],
    });
  });
  afterAll(async () => {
    await app?.close();
    await fake.stop();
  });

  it('boots and delivers', async () => {
    const accepted = await app.request('POST', '/v1/emails', email);
    expect(accepted.status).toBe(202);
    const sent = await statusOf(app, accepted.json.id, ['sent']);
    expect(sent.provider).toBe('relay');
    expect(fake.lastTransaction.rcptTo).toEqual(['ann@example.com']);
  });
});

describe('server.httpThread', () => {
  const fake = new AcmeFake(ACME_KEY);
  const registry = new ProviderRegistry([...PROVIDER_PLUGINS, acmePlugin]);
  let app: TestApp;

  beforeAll(async () => {
    const baseUrl = await fake.start();
    app = await startTestApp(
      {
        server: { httpThread: true },
        dispatch: FAST_DISPATCH,
        providers: [{ id: 'acme-inline', type: 'acme', baseUrl, apiKey: ACME_KEY, channel: 'n' }],
      },
      undefined,
      registry,
    );
  });
  afterAll(async () => {
    await app?.close();
    await fake.stop();
  });

  it('true makes the provider calls on the HTTP thread, and delivers', async () => {
    expect(app.app.get(HttpTransport)).toBeInstanceOf(ThreadTransport);
    const accepted = await app.request('POST', '/v1/emails', email);
    expect(accepted.status).toBe(202);
    const sent = await statusOf(app, accepted.json.id, ['sent']);
    expect(sent.provider).toBe('acme-inline');
    expect(fake.requests.at(-1)?.headers['x-acme-key']).toBe(ACME_KEY);
  });

  it('makes the calls on the event loop by default', async () => {
    const other = await startTestApp({ dispatch: FAST_DISPATCH });
    try {
      expect(other.app.get(HttpTransport)).toBeInstanceOf(InlineTransport);
    } finally {
      await other.close();
    }
  });
});
