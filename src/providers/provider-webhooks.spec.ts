import type { ProviderEvent } from '../domain/events';
import { WebhookPayloadError } from '../domain/events';
import { mailgunWebhook } from './mailgun/mailgun.webhook';
import { mandrillWebhook } from './mandrill/mandrill.webhook';
import { postmarkWebhook } from './postmark/postmark.webhook';
import { Secret } from '../domain/secret';
import { ResendWebhookSettings, resendWebhook } from './resend/resend.webhook';
import { sendgridWebhook } from './sendgrid/sendgrid.webhook';
import { sesWebhook } from './ses/ses.webhook';
import { sparkpostWebhook } from './sparkpost/sparkpost.webhook';

const ID = '01JD0000000000000000000001';
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const kind = (e: ProviderEvent) => (e.bounce ? `${e.type}/${e.bounce}` : e.type);

/** Each provider's event names onto the one vocabulary, as docs/providers/webhooks.md maps them. */
describe('provider event mappers', () => {
  it('Mailgun: every event, the message id without <>, mailover_id', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ event: 'accepted' }, 'queued'],
      [{ event: 'delivered' }, 'delivered'],
      [{ event: 'failed', severity: 'temporary' }, 'deferred'],
      [{ event: 'failed', severity: 'permanent', reason: 'bounce' }, 'bounced/hard'],
      [{ event: 'failed', severity: 'permanent', reason: 'suppress-bounce' }, 'rejected'],
      [{ event: 'failed', severity: 'permanent', 'delivery-status': { code: 607 } }, 'rejected'],
      [{ event: 'failed', severity: 'permanent', reason: 'old' }, 'bounced/soft'],
      [{ event: 'rejected' }, 'rejected'],
      [{ event: 'complained' }, 'complained'],
      [{ event: 'unsubscribed' }, 'unsubscribed'],
      [{ event: 'opened' }, 'opened'],
      [{ event: 'clicked', url: 'https://x.test/' }, 'clicked'],
      [{ event: 'stored' }, 'unknown'],
    ];
    for (const [data, expected] of cases) {
      const [e] = mailgunWebhook.parse(
        json({
          signature: { timestamp: '1', token: 'tok', signature: 'x' },
          'event-data': {
            ...data,
            recipient: 'a@x.test',
            timestamp: 1521472262.908181,
            message: { headers: { 'message-id': '<20130503182626.18666.16540@mg.x.test>' } },
            'user-variables': { mailover_id: ID },
          },
        }),
      );
      expect([data.event, kind(e)]).toEqual([data.event, expected]);
      expect(e).toMatchObject({
        recipient: 'a@x.test',
        eventKey: 'tok',
        providerMessageId: '20130503182626.18666.16540@mg.x.test',
        mailoverId: ID,
        occurredAt: new Date(1521472262908),
      });
    }
    expect(() => mailgunWebhook.parse(json({ signature: {} }))).toThrow(WebhookPayloadError);
  });

  it('SendGrid: the part of sg_message_id the send gave, bounce vs blocked, unknowns', () => {
    const events = sendgridWebhook.parse(
      json(
        [
          'processed',
          'deferred',
          'delivered',
          'bounce',
          'dropped',
          'spamreport',
          'unsubscribe',
          'group_unsubscribe',
          'group_resubscribe',
          'open',
          'click',
          'account_status_change',
        ].map((event) => ({
          email: 'a@x.test',
          event,
          type: 'bounce',
          sg_event_id: `id-${event}`,
          sg_message_id: '14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.0',
          mailover_id: ID,
          timestamp: 1513299569,
        })),
      ),
    );
    expect(events.map(kind)).toEqual([
      'queued',
      'deferred',
      'delivered',
      'bounced/hard',
      'rejected',
      'complained',
      'unsubscribed',
      'unsubscribed',
      'unknown',
      'opened',
      'clicked',
      'unknown',
    ]);
    expect(events[0]).toMatchObject({
      providerMessageId: '14c5d75ce93.dfd.64b469',
      eventKey: 'id-processed',
      mailoverId: ID,
    });
    const [blocked] = sendgridWebhook.parse(
      json([{ event: 'bounce', type: 'blocked', email: 'a@x.test' }]),
    );
    expect(kind(blocked)).toBe('bounced/soft');
    expect(() => sendgridWebhook.parse(json({ event: 'open' }))).toThrow(WebhookPayloadError);
  });

  it('SES: every event type, one event per recipient, tags or the X-Mailover-Id header', () => {
    const note = (message: Record<string, unknown>) =>
      json({ Type: 'Notification', MessageId: 'sns-1', Message: JSON.stringify(message) });
    const mail = {
      messageId: 'ses-1',
      timestamp: '2024-01-01T00:00:00.000Z',
      destination: ['a@x.test'],
      tags: { mailover_id: [ID] },
    };
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ eventType: 'Send', send: {} }, ['sent']],
      [
        { eventType: 'Delivery', delivery: { recipients: ['a@x.test', 'b@x.test'] } },
        ['delivered', 'delivered'],
      ],
      [
        {
          eventType: 'DeliveryDelay',
          deliveryDelay: {
            delayType: 'MailboxFull',
            delayedRecipients: [{ emailAddress: 'a@x.test' }],
          },
        },
        ['deferred'],
      ],
      [
        {
          eventType: 'Bounce',
          bounce: {
            bounceType: 'Permanent',
            bounceSubType: 'General',
            bouncedRecipients: [{ emailAddress: 'a@x.test' }],
          },
        },
        ['bounced/hard'],
      ],
      [
        {
          eventType: 'Bounce',
          bounce: {
            bounceType: 'Permanent',
            bounceSubType: 'Suppressed',
            bouncedRecipients: [{ emailAddress: 'a@x.test' }],
          },
        },
        ['rejected'],
      ],
      [
        {
          eventType: 'Bounce',
          bounce: {
            bounceType: 'Transient',
            bounceSubType: 'MailboxFull',
            bouncedRecipients: [{ emailAddress: 'a@x.test' }],
          },
        },
        ['bounced/soft'],
      ],
      [
        {
          eventType: 'Bounce',
          bounce: { bounceType: 'Undetermined', bouncedRecipients: [{ emailAddress: 'a@x.test' }] },
        },
        ['bounced/soft'],
      ],
      [{ eventType: 'Reject', reject: { reason: 'Bad content' } }, ['rejected']],
      [{ eventType: 'Rendering Failure', failure: { errorMessage: 'no var' } }, ['failed']],
      [
        {
          eventType: 'Complaint',
          complaint: { complainedRecipients: [{ emailAddress: 'a@x.test' }] },
        },
        ['complained'],
      ],
      [
        {
          eventType: 'Subscription',
          subscription: { newTopicPreferences: { unsubscribeAll: true } },
        },
        ['unsubscribed'],
      ],
      [{ eventType: 'Open', open: { userAgent: 'UA' } }, ['opened']],
      [{ eventType: 'Click', click: { link: 'https://x.test/', userAgent: 'UA' } }, ['clicked']],
      [
        {
          notificationType: 'Bounce',
          bounce: {
            bounceType: 'Permanent',
            bounceSubType: 'NoEmail',
            bouncedRecipients: [{ emailAddress: 'a@x.test' }],
          },
        },
        ['bounced/hard'],
      ],
    ];
    for (const [message, expected] of cases) {
      const events = sesWebhook.parse(note({ mail, ...message }));
      expect(events.map(kind)).toEqual(expected);
      expect(events[0]).toMatchObject({ providerMessageId: 'ses-1', mailoverId: ID });
    }
    const [byHeader] = sesWebhook.parse(
      note({
        eventType: 'Send',
        mail: {
          messageId: 'm',
          destination: ['a@x.test'],
          headers: [{ name: 'X-Mailover-Id', value: ID }],
        },
      }),
    );
    expect(byHeader.mailoverId).toBe(ID);
    expect(
      sesWebhook.parse(
        json({
          Type: 'Notification',
          Message: 'Successfully validated SNS topic for Amazon SES event publishing.',
        }),
      ),
    ).toEqual([]);
    expect(sesWebhook.parse(json({ Type: 'SubscriptionConfirmation' }))).toEqual([]);
  });

  it('Postmark: every record type and bounce type', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        { RecordType: 'Delivery', Recipient: 'a@x.test', DeliveredAt: '2024-01-01T00:00:00Z' },
        'delivered',
      ],
      [{ RecordType: 'Bounce', Type: 'HardBounce', Email: 'a@x.test' }, 'bounced/hard'],
      [{ RecordType: 'Bounce', Type: 'BadEmailAddress', Email: 'a@x.test' }, 'bounced/hard'],
      [{ RecordType: 'Bounce', Type: 'SoftBounce', Email: 'a@x.test' }, 'bounced/soft'],
      [{ RecordType: 'Bounce', Type: 'Transient', Email: 'a@x.test' }, 'deferred'],
      [{ RecordType: 'Bounce', Type: 'Blocked', Email: 'a@x.test' }, 'rejected'],
      [{ RecordType: 'Bounce', Type: 'SpamNotification', Email: 'a@x.test' }, 'complained'],
      [{ RecordType: 'Bounce', Type: 'TemplateRenderingFailed', Email: 'a@x.test' }, 'failed'],
      [{ RecordType: 'Bounce', Type: 'AutoResponder', Email: 'a@x.test' }, 'unknown'],
      [{ RecordType: 'SpamComplaint', Email: 'a@x.test' }, 'complained'],
      [{ RecordType: 'Open', Recipient: 'a@x.test', UserAgent: 'UA' }, 'opened'],
      [{ RecordType: 'Click', Recipient: 'a@x.test', OriginalLink: 'https://x.test/' }, 'clicked'],
      [
        {
          RecordType: 'SubscriptionChange',
          Recipient: 'a@x.test',
          SuppressSending: true,
          SuppressionReason: 'ManualSuppression',
        },
        'unsubscribed',
      ],
      [
        { RecordType: 'SubscriptionChange', Recipient: 'a@x.test', SuppressSending: false },
        'unknown',
      ],
    ];
    for (const [payload, expected] of cases) {
      const [e] = postmarkWebhook.parse(
        json({ ...payload, MessageID: 'pm-1', Metadata: { mailover_id: ID } }),
      );
      expect([payload.RecordType, payload.Type, kind(e)]).toEqual([
        payload.RecordType,
        payload.Type,
        expected,
      ]);
      expect(e).toMatchObject({ recipient: 'a@x.test', providerMessageId: 'pm-1', mailoverId: ID });
    }
    expect(() => postmarkWebhook.parse(json([]))).toThrow(WebhookPayloadError);
  });

  it('Mandrill: every event of a form-encoded batch', () => {
    const names = [
      'send',
      'delivered',
      'deferral',
      'hard_bounce',
      'soft_bounce',
      'reject',
      'spam',
      'unsub',
      'open',
      'click',
      'whitelist',
    ];
    const body = new URLSearchParams({
      mandrill_events: JSON.stringify(
        names.map((event) => ({
          event,
          _id: 'md-1',
          ts: 1365109999,
          msg: { _id: 'md-1', email: 'a@x.test', metadata: { mailover_id: ID } },
        })),
      ),
    }).toString();
    const events = mandrillWebhook.parse(Buffer.from(body));
    expect(events.map(kind)).toEqual([
      'sent',
      'delivered',
      'deferred',
      'bounced/hard',
      'bounced/soft',
      'rejected',
      'complained',
      'unsubscribed',
      'opened',
      'clicked',
      'unknown',
    ]);
    expect(events[0]).toMatchObject({
      providerMessageId: 'md-1',
      mailoverId: ID,
      eventKey: 'md-1:send:1365109999',
    });
    expect(() => mandrillWebhook.parse(Buffer.from('other=1'))).toThrow(WebhookPayloadError);
  });

  it('SparkPost: every event class and bounce class; pings are skipped', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ type: 'injection' }, 'queued'],
      [{ type: 'delivery' }, 'delivered'],
      [{ type: 'delay' }, 'deferred'],
      [{ type: 'bounce', bounce_class: '10' }, 'bounced/hard'],
      [{ type: 'out_of_band', bounce_class: '30' }, 'bounced/hard'],
      [{ type: 'bounce', bounce_class: '90' }, 'unsubscribed'],
      [{ type: 'bounce', bounce_class: '21' }, 'bounced/soft'],
      [{ type: 'bounce', bounce_class: '51' }, 'bounced/soft'],
      [{ type: 'bounce', bounce_class: '25' }, 'rejected'],
      [{ type: 'bounce', bounce_class: '60' }, 'unknown'],
      [{ type: 'policy_rejection' }, 'rejected'],
      [{ type: 'generation_failure' }, 'failed'],
      [{ type: 'spam_complaint' }, 'complained'],
      [{ type: 'list_unsubscribe' }, 'unsubscribed'],
      [{ type: 'link_unsubscribe' }, 'unsubscribed'],
      [{ type: 'open' }, 'opened'],
      [{ type: 'amp_click' }, 'clicked'],
    ];
    const events = sparkpostWebhook.parse(
      json([
        { msys: {} },
        ...cases.map(([e]) => ({
          msys: {
            message_event: {
              ...e,
              rcpt_to: 'a@x.test',
              transmission_id: '65832150921904138',
              rcpt_meta: { mailover_id: ID },
              timestamp: '1460989507',
            },
          },
        })),
      ]),
    );
    expect(events.map(kind)).toEqual(cases.map(([, expected]) => expected));
    expect(events[0]).toMatchObject({
      providerMessageId: '65832150921904138',
      mailoverId: ID,
      occurredAt: new Date(1460989507000),
    });
  });

  it('Resend: every email event, one per recipient, tags as an object or a list', () => {
    const types = [
      'email.scheduled',
      'email.sent',
      'email.delivered',
      'email.delivery_delayed',
      'email.bounced',
      'email.suppressed',
      'email.failed',
      'email.complained',
      'email.opened',
      'email.clicked',
      'contact.created',
    ];
    const expected = [
      'queued',
      'sent',
      'delivered',
      'deferred',
      'bounced/hard',
      'rejected',
      'failed',
      'complained',
      'opened',
      'clicked',
      'unknown',
    ];
    types.forEach((type, i) => {
      const [e] = resendWebhook.parse(
        json({
          type,
          created_at: '2024-02-22T23:41:12.126Z',
          data: {
            email_id: 'rs-1',
            to: ['a@x.test'],
            tags: { mailover_id: ID },
            bounce: { type: 'Permanent' },
          },
        }),
      );
      expect([type, kind(e)]).toEqual([type, expected[i]]);
    });
    const both = resendWebhook.parse(
      json({
        type: 'email.bounced',
        created_at: '2024-02-22T23:41:12.126Z',
        data: {
          email_id: 'rs-1',
          to: ['a@x.test', 'b@x.test'],
          tags: [{ name: 'mailover_id', value: ID }],
          bounce: { type: 'Transient' },
        },
      }),
    );
    expect(both.map((e) => [e.recipient, kind(e), e.mailoverId])).toEqual([
      ['a@x.test', 'bounced/soft', ID],
      ['b@x.test', 'bounced/soft', ID],
    ]);
  });
});

describe('Resend verification', () => {
  it("accepts the Standard Webhooks specification's test vector, within 5 minutes only", () => {
    const settings = new ResendWebhookSettings();
    settings.secret = new Secret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    const request = (nowSeconds: number) => ({
      url: '/v1/webhooks/rs',
      headers: {
        'svix-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        'svix-timestamp': '1614265330',
        'svix-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
      },
      body: Buffer.from('{"test": 2432232314}'),
      now: new Date(nowSeconds * 1000),
    });
    const context = { fetchCached: () => Promise.reject(new Error('not used')) };
    expect(resendWebhook.verify(request(1614265330), settings, context)).toEqual({
      ok: true,
      dedupeKey: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    });
    expect(resendWebhook.verify(request(1614265330 + 301), settings, context)).toMatchObject({
      ok: false,
    });
  });
});
