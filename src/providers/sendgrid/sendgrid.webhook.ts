import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { IsString, ValidateBy } from 'class-validator';
import { WebhookPayloadError, type ProviderEvent } from '../../domain/events';
import { defineWebhook } from '../provider.plugin';
import {
  dateOf,
  event,
  fresh,
  header,
  isObject,
  readJson,
  sha256Hex,
  str,
} from '../webhook-support';

/** The verification key as SendGrid shows it (base64 of a DER SubjectPublicKeyInfo) or as PEM. */
export function sendgridPublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  return trimmed.startsWith('-----BEGIN')
    ? createPublicKey(trimmed)
    : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
}

/** A SendGrid provider's `webhook:` settings. */
export class SendgridWebhookSettings {
  /** "Signed Event Webhook Requests" verification key (`GET /v3/user/webhooks/event/settings/signed`). */
  @IsString({ message: 'must be set' })
  @ValidateBy(
    {
      name: 'isP256PublicKey',
      validator: {
        validate: (value: unknown) => {
          try {
            const key = sendgridPublicKey(String(value));
            return key.asymmetricKeyType === 'ec';
          } catch {
            return false;
          }
        },
      },
    },
    { message: 'must be an ECDSA public key: base64 of its DER SubjectPublicKeyInfo, or PEM' },
  )
  publicKey!: string;
}

const keys = new WeakMap<SendgridWebhookSettings, KeyObject>();
/** SendGrid documents no tolerance; the same 15 minutes as Mailgun. */
const TOLERANCE_MS = 15 * 60_000;
const SIGNATURE = 'x-twilio-email-event-webhook-signature';
const TIMESTAMP = 'x-twilio-email-event-webhook-timestamp';

/**
 * ECDSA P-256 with SHA-256 over the timestamp header followed by the raw body; the signature
 * header is base64 DER (sendgrid/docs getting-started-event-webhook-security-features.md).
 */
export const sendgridWebhook = defineWebhook<SendgridWebhookSettings>({
  settings: SendgridWebhookSettings,
  verify(request, settings) {
    const signature = header(request.headers, SIGNATURE);
    const timestamp = header(request.headers, TIMESTAMP);
    if (!signature || !timestamp) return { ok: false, reason: 'unsigned' };
    if (!/^\d{1,12}$/.test(timestamp) || !fresh(Number(timestamp), request.now, TOLERANCE_MS))
      return { ok: false, reason: 'stale' };
    let key = keys.get(settings);
    if (!key) keys.set(settings, (key = sendgridPublicKey(settings.publicKey)));
    const signed = Buffer.concat([Buffer.from(timestamp), request.body]);
    let valid = false;
    try {
      valid = verify('sha256', signed, key, Buffer.from(signature, 'base64'));
    } catch {
      valid = false;
    }
    return valid
      ? { ok: true, dedupeKey: sha256Hex(request.body) }
      : { ok: false, reason: 'signature' };
  },
  parse(body) {
    const payload = readJson(body);
    // Computed once: the fallback key of events without an id.
    const digest = sha256Hex(body);
    if (!Array.isArray(payload)) throw new WebhookPayloadError('the body must be a JSON array');
    return payload.map((item, i) => {
      if (!isObject(item)) throw new WebhookPayloadError(`event ${i} is not an object`);
      return sendgridEvent(item, `${digest}:${i}`);
    });
  },
  scheme:
    'ECDSA P-256 / SHA-256 over the timestamp header and the raw body; timestamp within 15 min',
  setup:
    'Settings > Mail Settings > Event Webhook: post URL `https://<host>/v1/webhooks/<id>`, the events wanted; enable "Signed Event Webhook Requests" and set `webhook.publicKey` to the verification key shown.',
});

/** https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event */
function sendgridEvent(item: Record<string, unknown>, fallbackKey: string): ProviderEvent {
  const name = str(item.event) ?? '';
  const sgMessageId = str(item.sg_message_id);
  const common = {
    recipient: str(item.email),
    eventKey: str(item.sg_event_id) ?? fallbackKey,
    providerEventId: str(item.sg_event_id),
    // `<X-Message-Id>.filter…` (or `.recvd…`): the part the send response gave us.
    providerMessageId: sgMessageId?.split(/\.(?:filter|recvd)/)[0],
    mailoverId: str(item.mailover_id),
    occurredAt: dateOf(item.timestamp, new Date()),
    reason: str(item.reason) || str(item.response),
    url: str(item.url),
    userAgent: str(item.useragent),
  };
  switch (name) {
    case 'processed':
      return event({ ...common, type: 'queued' });
    case 'deferred':
      return event({ ...common, type: 'deferred' });
    case 'delivered':
      return event({ ...common, type: 'delivered' });
    case 'bounce':
      return event({
        ...common,
        type: 'bounced',
        bounce: item.type === 'blocked' ? 'soft' : 'hard',
      });
    case 'dropped':
      return event({ ...common, type: 'rejected' });
    case 'spamreport':
      return event({ ...common, type: 'complained' });
    case 'unsubscribe':
    case 'group_unsubscribe':
      return event({ ...common, type: 'unsubscribed' });
    case 'open':
      return event({ ...common, type: 'opened' });
    case 'click':
      return event({ ...common, type: 'clicked' });
    default:
      return event({ ...common, type: 'unknown' });
  }
}
