import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { stringify } from 'yaml';
import { Secret } from '../domain/secret';
import { ConfigError, loadConfig } from './config.loader';

const dir = mkdtempSync(join(tmpdir(), 'mailover-config-webhook-'));

function load(overlay: Record<string, unknown>) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, stringify(overlay));
  return loadConfig({ MAILOVER_CONFIG: file, MAILOVER_DATA_DIR: dir });
}

function problemsOf(overlay: Record<string, unknown>): string[] {
  try {
    load(overlay);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

const mailgun = { id: 'mg', type: 'mailgun', apiKey: 'k', domain: 'mg.example.com' };

describe("a provider's webhook settings", () => {
  it("are validated by the plug-in's webhook class; secrets never print", () => {
    const config = load({
      providers: [{ ...mailgun, webhook: { signingKey: 'signing-secret-value' } }],
    });
    const webhook = config.providers[0].webhook as { signingKey: Secret };
    expect(webhook.signingKey).toBeInstanceOf(Secret);
    expect(webhook.signingKey.reveal()).toBe('signing-secret-value');
    expect(inspect(config)).not.toContain('signing-secret-value');
    expect(config.events).toEqual({ rawRetentionDays: 30, webhookBodyLimitBytes: 5242880 });
    expect(config.suppression.enabled).toBe(true);
    expect(config.rateLimit.webhooks).toMatchObject({ limit: 200, ttlMs: 1000 });
  });

  it('name the key of every problem: missing, unknown, malformed, or a type without webhooks', () => {
    expect(
      problemsOf({
        providers: [
          { ...mailgun, webhook: { signingkey: 'x' } },
          { id: 'sg', type: 'sendgrid', apiKey: 'k', webhook: { publicKey: 'not a key' } },
          { id: 'rs', type: 'resend', apiKey: 'k', webhook: { secret: 'plain' } },
          {
            id: 'ses',
            type: 'ses',
            region: 'us-east-1',
            accessKeyId: 'a',
            secretAccessKey: 'b',
            webhook: { topicArns: [], snsUrlPattern: '(' },
          },
          { id: 'sp', type: 'sparkpost', apiKey: 'k', webhook: {} },
          { id: 'box', type: 'sandbox', webhook: { key: 'x' } },
        ],
        events: { rawRetentionDays: 0 },
        suppression: { enabled: 'maybe' },
      }),
    ).toEqual(
      expect.arrayContaining([
        'providers[0].webhook.signingkey: is not a webhook setting of type mailgun; did you mean "signingKey"?',
        'providers[0].webhook.signingKey: must be set',
        'providers[1].webhook.publicKey: must be an ECDSA public key: base64 of its DER SubjectPublicKeyInfo, or PEM',
        'providers[2].webhook.secret: must be whsec_ followed by base64',
        'providers[3].webhook.topicArns: must list at least one topic ARN',
        'providers[3].webhook.snsUrlPattern: must be a regular expression',
        'providers[4].webhook.username: must be set (or bearerToken)',
        'providers[4].webhook.password: must be set (or bearerToken)',
        'providers[5].webhook: type sandbox has no webhooks',
        'events.rawRetentionDays: must not be less than 1',
        'suppression.enabled: must be a boolean value',
      ]),
    );
  });
});
