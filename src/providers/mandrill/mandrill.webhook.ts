import { Transform } from 'class-transformer';
import { IsSecret, IsHttpUrl, toSecret } from '../setting.decorators';
import { WebhookPayloadError, type EventType, type ProviderEvent } from '../../domain/events';
import type { Secret } from '../../domain/secret';
import { defineWebhook } from '../provider.plugin';
import {
  dateOf,
  event,
  header,
  hmac,
  isObject,
  obj,
  readJson,
  safeEqual,
  sha256Hex,
  str,
} from '../webhook-support';

/** A Mandrill provider's `webhook:` settings. */
export class MandrillWebhookSettings {
  /** The webhook's key (Settings > Webhooks), not the API key. */
  @Transform(toSecret)
  @IsSecret()
  key!: Secret;

  /** The URL exactly as registered at Mandrill: it is part of what Mandrill signs. */
  @IsHttpUrl()
  url!: string;
}

/**
 * base64(HMAC-SHA1(key, url + each POST field's name and value, sorted by name)) in
 * X-Mandrill-Signature (https://mailchimp.com/developer/transactional/guides/track-respond-activity-webhooks/).
 * No timestamp: a retry has the same body, so its hash is the delivery's key.
 */
export const mandrillWebhook = defineWebhook<MandrillWebhookSettings>({
  settings: MandrillWebhookSettings,
  verify(request, settings) {
    const given = header(request.headers, 'x-mandrill-signature');
    if (!given) return { ok: false, reason: 'unsigned' };
    const fields = [...new URLSearchParams(request.body.toString('utf8'))].sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    const signed = settings.url + fields.map(([name, value]) => name + value).join('');
    const expected = hmac('sha1', settings.key.reveal(), signed).toString('base64');
    return safeEqual(given, expected)
      ? { ok: true, dedupeKey: sha256Hex(request.body) }
      : { ok: false, reason: 'signature' };
  },
  parse(body) {
    const events = new URLSearchParams(body.toString('utf8')).get('mandrill_events');
    if (events === null) throw new WebhookPayloadError('mandrill_events is missing');
    const payload = readJson(events);
    if (!Array.isArray(payload)) throw new WebhookPayloadError('mandrill_events must be an array');
    return payload.map((item, i) => {
      if (!isObject(item)) throw new WebhookPayloadError(`event ${i} is not an object`);
      return mandrillEvent(item);
    });
  },
  scheme:
    'base64 HMAC-SHA1 of `url` + each field name and value sorted by name, in `X-Mandrill-Signature` (no timestamp)',
  setup:
    "Settings > Webhooks: add `https://<host>/v1/webhooks/<id>` (Mandrill checks it with HEAD) for send, deferral, hard_bounce, soft_bounce, delivered, open, click, spam, unsub, reject; set `webhook.url` to that exact URL and `webhook.key` to the webhook's key.",
});

/** https://mailchimp.com/developer/transactional/docs/webhooks/ */
const TYPES: Record<string, { type: EventType; bounce?: 'hard' | 'soft' }> = {
  send: { type: 'sent' },
  delivered: { type: 'delivered' },
  deferral: { type: 'deferred' },
  hard_bounce: { type: 'bounced', bounce: 'hard' },
  soft_bounce: { type: 'bounced', bounce: 'soft' },
  reject: { type: 'rejected' },
  spam: { type: 'complained' },
  unsub: { type: 'unsubscribed' },
  open: { type: 'opened' },
  click: { type: 'clicked' },
};

function mandrillEvent(item: Record<string, unknown>): ProviderEvent {
  const msg = obj(item.msg);
  const name = str(item.event) ?? '';
  const id = str(item._id) ?? str(msg._id);
  return event({
    ...(TYPES[name] ?? { type: 'unknown' }),
    recipient: str(msg.email),
    eventKey: `${id ?? ''}:${name || str(item.type) || ''}:${str(item.ts) ?? ''}`,
    providerEventId: id,
    providerMessageId: id,
    mailoverId: str(obj(msg.metadata).mailover_id),
    occurredAt: dateOf(item.ts, new Date()),
    reason: str(msg.bounce_description) || str(msg.diag),
    url: str(item.url),
    userAgent: str(item.user_agent),
  });
}
