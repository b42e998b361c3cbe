import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { stringify } from 'yaml';
import { Secret } from '../domain/secret';
import { ConfigError, loadConfig } from './config.loader';

const dir = mkdtempSync(join(tmpdir(), 'mailover-config-webhooks-'));
const GOOD = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

function load(webhooks: unknown) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify({ webhooks }));
  return loadConfig({ MAILOVER_CONFIG: file, MAILOVER_DATA_DIR: dir });
}

function problemsOf(webhooks: unknown): string[] {
  try {
    load(webhooks);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

describe('webhooks configuration', () => {
  it('has no endpoints and 24 h of retries by default', () => {
    const config = loadConfig({ MAILOVER_DATA_DIR: dir });
    expect(config.webhooks).toMatchObject({
      endpoints: [],
      maxAgeMs: 86_400_000,
      timeoutMs: 10_000,
      concurrency: 16,
    });
  });

  it('takes endpoints with http:// or loopback URLs, and keeps their secrets out of prints', () => {
    const config = load({
      endpoints: [
        { id: 'app', url: 'http://127.0.0.1:8080/hooks', secret: GOOD, events: ['*'] },
        {
          id: 'crm',
          url: 'https://crm.example.com/mailover',
          secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}`,
          events: ['email.bounced', 'email.complained'],
          tenants: ['acme'],
        },
      ],
    });
    const [app, crm] = config.webhooks.endpoints;
    expect(app.secret).toBeInstanceOf(Secret);
    expect(app.secret.reveal()).toBe(GOOD);
    expect(inspect(config)).not.toContain(GOOD);
    expect(JSON.stringify(config)).not.toContain(GOOD);
    expect(crm).toMatchObject({ events: ['email.bounced', 'email.complained'], tenants: ['acme'] });
  });

  it('refuses secrets that are not whsec_ + base64 of 24 to 64 bytes, naming each', () => {
    const endpoint = (secret: string) => ({
      id: `e${Math.random().toString(36).slice(2, 8)}`,
      url: 'http://127.0.0.1/h',
      secret,
      events: ['*'],
    });
    const secrets = [
      Buffer.alloc(32).toString('base64'), // no prefix
      `whsec_${Buffer.alloc(23).toString('base64')}`, // too short
      `whsec_${Buffer.alloc(65).toString('base64')}`, // too long
      'whsec_not base64!',
      '',
    ];
    const problems = problemsOf({ endpoints: secrets.map(endpoint) });
    for (let i = 0; i < secrets.length; i++)
      expect(problems).toContainEqual(
        expect.stringMatching(
          new RegExp(`^webhooks\\.endpoints\\[${i}\\]\\.secret: must be whsec_`),
        ),
      );
    expect(problems.join('\n')).not.toContain(Buffer.alloc(32).toString('base64'));
  });

  it('refuses unknown event types, bad URLs, missing fields and duplicate ids', () => {
    const problems = problemsOf({
      endpoints: [
        { id: 'a', url: 'ftp://example.com/x', secret: GOOD, events: ['email.sent', 'email.lost'] },
        { id: 'a', url: 'http://127.0.0.1/h', secret: GOOD, events: [] },
        { id: 'b', secret: GOOD, events: ['*'], colour: 'blue' },
      ],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        'webhooks.endpoints: endpoint ids must be unique',
        'webhooks.endpoints[0].url: must be an http(s) URL',
        expect.stringMatching(
          /^webhooks\.endpoints\[0\]\.events: must be "\*" or among email\.sent, /,
        ),
        'webhooks.endpoints[1].events: must list at least one event type, or "*"',
        'webhooks.endpoints[2].url: must be an http(s) URL',
        'webhooks.endpoints[2].colour: is not a known setting',
      ]),
    );
  });
});
