import { verify, X509Certificate } from 'node:crypto';
import { Transform } from 'class-transformer';
import { ArrayNotEmpty, IsArray, IsBoolean, IsString, ValidateBy } from 'class-validator';
import { toBool } from '../setting.decorators';
import { type ProviderEvent } from '../../domain/events';
import { defineWebhook, type WebhookVerdict } from '../provider.plugin';
import {
  dateOf,
  event,
  fresh,
  header,
  isObject,
  obj,
  readJson,
  str,
  tryJson,
  type Json,
} from '../webhook-support';

/** An SES provider's `webhook:` settings (events arrive through an SNS topic). */
export class SesWebhookSettings {
  /** The SNS topics whose messages are accepted. */
  @IsArray()
  @ArrayNotEmpty({ message: 'must list at least one topic ARN' })
  @IsString({ each: true })
  topicArns!: string[];

  /** SigningCertURL and SubscribeURL must match this; tests point it at a local server. */
  @IsString()
  @ValidateBy(
    {
      name: 'isRegExp',
      validator: {
        validate: (value: unknown) => {
          try {
            new RegExp(String(value));
            return true;
          } catch {
            return false;
          }
        },
      },
    },
    { message: 'must be a regular expression' },
  )
  snsUrlPattern = '^https://sns\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/';

  /** Confirm a SubscriptionConfirmation of a listed topic by fetching its SubscribeURL. */
  @Transform(toBool)
  @IsBoolean()
  confirmSubscriptions = true;
}

/**
 * SNS signs each message when it is sent, and a retry carries the first timestamp; a message
 * older than this is refused (the SNS default HTTP retry policy ends well within it).
 */
const MAX_AGE_MS = 3600_000;

/** https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message-verify-message-signature.html */
const SIGNED_FIELDS: Record<string, string[]> = {
  Notification: ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'],
  SubscriptionConfirmation: [
    'Message',
    'MessageId',
    'SubscribeURL',
    'Timestamp',
    'Token',
    'TopicArn',
    'Type',
  ],
};
SIGNED_FIELDS.UnsubscribeConfirmation = SIGNED_FIELDS.SubscriptionConfirmation;

/** The text SNS signs: each present field's name and value, one per line. */
export function snsStringToSign(message: Json): string | undefined {
  const fields = SIGNED_FIELDS[String(message.Type)];
  if (!fields) return undefined;
  let out = '';
  for (const field of fields) {
    const value = message[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') return undefined;
    out += `${field}\n${value}\n`;
  }
  return out;
}

/**
 * SNS signature version 1 (RSA SHA1) or 2 (RSA SHA256) with the certificate at SigningCertURL,
 * which must match `snsUrlPattern`; only listed topics
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html).
 */
export const sesWebhook = defineWebhook<SesWebhookSettings>({
  settings: SesWebhookSettings,
  async verify(request, settings, context): Promise<WebhookVerdict> {
    const message = tryJson(request.body);
    if (!isObject(message)) return { ok: false, reason: 'malformed' };
    const type = str(message.Type);
    if (header(request.headers, 'x-amz-sns-message-type') !== type)
      return { ok: false, reason: 'type header' };
    const topic = str(message.TopicArn);
    if (!topic || !settings.topicArns.includes(topic)) return { ok: false, reason: 'topic' };
    const pattern = new RegExp(settings.snsUrlPattern);
    const certUrl = str(message.SigningCertURL) ?? '';
    if (!pattern.test(certUrl) || !urlPathEndsPem(certUrl))
      return { ok: false, reason: 'certificate url' };
    const algorithm =
      message.SignatureVersion === '1' ? 'sha1' : message.SignatureVersion === '2' ? 'sha256' : '';
    const signed = snsStringToSign(message);
    const signature = str(message.Signature);
    if (!algorithm || !signed || !signature) return { ok: false, reason: 'unsigned' };
    if (!fresh(Date.parse(str(message.Timestamp) ?? '') / 1000, request.now, MAX_AGE_MS))
      return { ok: false, reason: 'stale' };
    let valid = false;
    try {
      const certificate = new X509Certificate(await context.fetchCached(certUrl));
      valid = verify(
        algorithm,
        Buffer.from(signed),
        certificate.publicKey,
        Buffer.from(signature, 'base64'),
      );
    } catch {
      valid = false;
    }
    if (!valid) return { ok: false, reason: 'signature' };
    const dedupeKey = str(message.MessageId) ?? '';
    if (type !== 'SubscriptionConfirmation') return { ok: true, dedupeKey };
    const subscribeUrl = str(message.SubscribeURL) ?? '';
    if (!pattern.test(subscribeUrl)) return { ok: false, reason: 'subscribe url' };
    return settings.confirmSubscriptions
      ? { ok: true, dedupeKey, confirmUrl: subscribeUrl }
      : { ok: true, dedupeKey };
  },
  parse(body) {
    const envelope = obj(readJson(body));
    if (envelope.Type !== 'Notification') return [];
    // The first notification may be a plain sentence ("Successfully validated SNS topic ...").
    const message = tryJson(str(envelope.Message) ?? '');
    if (!isObject(message)) return [];
    return sesEvents(message, str(envelope.MessageId) ?? '');
  },
  scheme:
    'SNS signature v1 (SHA1) or v2 (SHA256) with the certificate at `SigningCertURL` (must match `snsUrlPattern`; fetched once, cached); listed topics only; message at most 1 h old',
  setup:
    'Send with a configuration set whose event destination is an SNS topic (Send, Reject, Bounce, Complaint, Delivery, Open, Click, Rendering Failure, Delivery Delay, Subscription); subscribe `https://<host>/v1/webhooks/<id>` (HTTPS) to the topic and list its ARN in `webhook.topicArns`; prefer SignatureVersion 2 on the topic. The subscription is confirmed automatically.',
});

function urlPathEndsPem(url: string): boolean {
  try {
    return new URL(url).pathname.endsWith('.pem');
  } catch {
    return false;
  }
}

/**
 * One event per recipient of the SES event
 * (https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html).
 */
function sesEvents(message: Json, snsMessageId: string): ProviderEvent[] {
  const kind = str(message.eventType) ?? str(message.notificationType) ?? '';
  const mail = obj(message.mail);
  const tags = obj(mail.tags);
  const headerId = Array.isArray(mail.headers)
    ? (mail.headers as unknown[])
        .map(obj)
        .find((h) => String(h.name).toLowerCase() === 'x-mailover-id')?.value
    : undefined;
  const mailoverId =
    (Array.isArray(tags.mailover_id) ? str(tags.mailover_id[0]) : undefined) ?? str(headerId);
  const base = {
    providerMessageId: str(mail.messageId),
    mailoverId,
    occurredAt: dateOf(mail.timestamp, new Date()),
  };
  const each = (
    recipients: unknown,
    fields: Omit<Parameters<typeof event>[0], 'eventKey' | 'occurredAt'> & { occurredAt?: Date },
  ): ProviderEvent[] => {
    const list = Array.isArray(recipients) && recipients.length ? recipients : [''];
    return list.map((r) => {
      const recipient = typeof r === 'string' ? r : (str(obj(r).emailAddress) ?? '');
      return event({
        ...base,
        ...fields,
        occurredAt: fields.occurredAt ?? base.occurredAt,
        recipient,
        eventKey: `${snsMessageId}:${recipient}`,
        providerEventId: snsMessageId,
      });
    });
  };
  switch (kind) {
    case 'Send':
      return each(mail.destination, { type: 'sent' });
    case 'Delivery': {
      const d = obj(message.delivery);
      return each(d.recipients, {
        type: 'delivered',
        occurredAt: dateOf(d.timestamp, base.occurredAt),
        reason: str(d.smtpResponse),
      });
    }
    case 'DeliveryDelay': {
      const d = obj(message.deliveryDelay);
      return each(d.delayedRecipients, { type: 'deferred', reason: str(d.delayType) });
    }
    case 'Bounce': {
      const b = obj(message.bounce);
      const at = dateOf(b.timestamp, base.occurredAt);
      const sub = str(b.bounceSubType) ?? '';
      const reason = `${str(b.bounceType) ?? ''}/${sub}`;
      if (
        b.bounceType === 'Permanent' &&
        (sub === 'Suppressed' || sub === 'OnAccountSuppressionList')
      )
        return each(b.bouncedRecipients, { type: 'rejected', occurredAt: at, reason });
      return each(b.bouncedRecipients, {
        type: 'bounced',
        bounce: b.bounceType === 'Permanent' ? 'hard' : 'soft',
        occurredAt: at,
        reason,
      });
    }
    case 'Complaint': {
      const c = obj(message.complaint);
      return each(c.complainedRecipients, {
        type: 'complained',
        occurredAt: dateOf(c.timestamp, base.occurredAt),
        reason: str(c.complaintFeedbackType),
      });
    }
    case 'Reject':
      return each(mail.destination, { type: 'rejected', reason: str(obj(message.reject).reason) });
    case 'Rendering Failure':
      return each(mail.destination, {
        type: 'failed',
        reason: str(obj(message.failure).errorMessage),
      });
    case 'Open': {
      const o = obj(message.open);
      return each(mail.destination, {
        type: 'opened',
        occurredAt: dateOf(o.timestamp, base.occurredAt),
        userAgent: str(o.userAgent),
      });
    }
    case 'Click': {
      const c = obj(message.click);
      return each(mail.destination, {
        type: 'clicked',
        occurredAt: dateOf(c.timestamp, base.occurredAt),
        url: str(c.link),
        userAgent: str(c.userAgent),
      });
    }
    case 'Subscription': {
      const s = obj(message.subscription);
      const prefs = obj(s.newTopicPreferences);
      const optedOut =
        prefs.unsubscribeAll === true ||
        (Array.isArray(prefs.topicSubscriptionStatus) &&
          prefs.topicSubscriptionStatus.some((t) => obj(t).subscriptionStatus === 'OptOut'));
      return each(mail.destination, { type: optedOut ? 'unsubscribed' : 'unknown' });
    }
    default:
      return each(mail.destination, { type: 'unknown' });
  }
}
