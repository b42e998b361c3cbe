import { WebhookEndpointConfig } from '../config/config.schema';
import { Secret } from '../domain/secret';
import type { EmailRecord } from '../store/email.store';
import { deliveriesOf, subscribes, webhookBody } from './webhook-payload';

function endpoint(patch: Partial<WebhookEndpointConfig>): WebhookEndpointConfig {
  return Object.assign(new WebhookEndpointConfig(), {
    id: 'app',
    url: 'http://127.0.0.1:1/hooks',
    secret: new Secret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'),
    events: ['*'],
    ...patch,
  });
}

const email: EmailRecord = {
  id: '01JD0000000000000000000001',
  tenant: 'acme',
  status: 'sent',
  message: {
    id: '01JD0000000000000000000001',
    from: { email: 'shop@acme.test' },
    to: [{ email: 'ann@example.com' }],
    cc: [],
    bcc: [],
    subject: 'Secret subject',
    html: '<p>body</p>',
    text: 'body',
    headers: {},
    attachments: [],
    tags: ['receipt'],
    metadata: { order: '42' },
  },
  providers: null,
  sendAt: null,
  dueAt: new Date(0),
  createdAt: new Date(0),
  updatedAt: new Date(0),
  rounds: 1,
  providerId: 'resend',
  providerMessageId: 're-1',
  lastError: null,
};

const NOW = new Date('2030-01-01T00:00:00.000Z');

describe('application webhook payloads', () => {
  it('subscribes by event type ("*" for all) and by tenant when tenants are listed', () => {
    expect(subscribes(endpoint({ events: ['*'] }), 'email.opened', 'x')).toBe(true);
    expect(subscribes(endpoint({ events: ['email.sent'] }), 'email.sent', 'x')).toBe(true);
    expect(subscribes(endpoint({ events: ['email.sent'] }), 'email.failed', 'x')).toBe(false);
    expect(subscribes(endpoint({ tenants: ['acme'] }), 'email.sent', 'acme')).toBe(true);
    expect(subscribes(endpoint({ tenants: ['acme'] }), 'email.sent', 'globex')).toBe(false);
  });

  it('builds {type, timestamp, data: {emailId, tenant, event, email}} without content or raw payloads', () => {
    const body = JSON.parse(
      webhookBody(
        'email.sent',
        email,
        { type: 'sent', occurredAt: NOW, providerId: 'resend', raw: { secret: 'x' } },
        NOW,
      ),
    );
    expect(body).toEqual({
      type: 'email.sent',
      timestamp: '2030-01-01T00:00:00.000Z',
      data: {
        emailId: email.id,
        tenant: 'acme',
        event: { type: 'sent', occurredAt: '2030-01-01T00:00:00.000Z', providerId: 'resend' },
        email: {
          id: email.id,
          status: 'sent',
          providerId: 'resend',
          providerMessageId: 're-1',
          tags: ['receipt'],
          metadata: { order: '42' },
        },
      },
    });
    expect(JSON.stringify(body)).not.toMatch(/Secret subject|body|ann@example/);
  });

  it('makes one delivery per subscribed endpoint, each with its own msg_ id and the same body', () => {
    const endpoints = [
      endpoint({ id: 'all' }),
      endpoint({ id: 'failures', events: ['email.failed'] }),
      endpoint({ id: 'acme', tenants: ['acme'] }),
      endpoint({ id: 'globex', tenants: ['globex'] }),
    ];
    const out = deliveriesOf(
      endpoints,
      'email.sent',
      email,
      { type: 'sent', occurredAt: NOW },
      NOW,
    );
    expect(out.map((d) => d.endpointId)).toEqual(['all', 'acme']);
    expect(out[0].id).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(out[0].id).not.toBe(out[1].id);
    expect(out[0].payload).toBe(out[1].payload);
    expect(out[0]).toMatchObject({ type: 'email.sent', emailId: email.id, tenant: 'acme' });
    expect(deliveriesOf([], 'email.sent', email, { type: 'sent', occurredAt: NOW }, NOW)).toEqual(
      [],
    );
  });
});
