import { Transform } from 'class-transformer';
import { IsSecret, toSecret } from '../setting.decorators';
import { WebhookPayloadError, type ProviderEvent } from '../../domain/events';
import type { Secret } from '../../domain/secret';
import { defineWebhook } from '../provider.plugin';
import {
  dateOf,
  event,
  hmac,
  isObject,
  obj,
  readJson,
  safeEqual,
  str,
  tryJson,
  fresh,
} from '../webhook-support';

/** A Mailgun provider's `webhook:` settings. */
export class MailgunWebhookSettings {
  /** The HTTP webhook signing key of the control panel (not the API key). */
  @Transform(toSecret)
  @IsSecret()
  signingKey!: Secret;
}

/** Mailgun gives no number; 15 minutes (docs/providers/webhooks.md §1). */
const TOLERANCE_MS = 15 * 60_000;

/**
 * hex(HMAC-SHA256(signingKey, timestamp + token)) in the body's `signature`; the token is the
 * delivery's key, so a repeated token is stored once
 * (https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks).
 */
export const mailgunWebhook = defineWebhook<MailgunWebhookSettings>({
  settings: MailgunWebhookSettings,
  verify(request, settings) {
    const signature = obj(obj(tryJson(request.body)).signature);
    const timestamp = str(signature.timestamp);
    const token = str(signature.token);
    const given = str(signature.signature);
    if (!timestamp || !token || !given) return { ok: false, reason: 'unsigned' };
    if (!fresh(Number(timestamp), request.now, TOLERANCE_MS)) return { ok: false, reason: 'stale' };
    const expected = hmac('sha256', settings.signingKey.reveal(), timestamp + token).toString(
      'hex',
    );
    return safeEqual(given.toLowerCase(), expected)
      ? { ok: true, dedupeKey: token }
      : { ok: false, reason: 'signature' };
  },
  parse(body) {
    const payload = readJson(body);
    if (!isObject(payload) || !isObject(payload['event-data']))
      throw new WebhookPayloadError('event-data is missing');
    const data = payload['event-data'];
    const token = str(obj(payload.signature).token) ?? '';
    return [mailgunEvent(data, token)];
  },
  scheme:
    'HMAC-SHA256 (hex) of `timestamp`+`token` in the body; a token once; timestamp within 15 min',
  setup:
    'In the sending domain\'s Webhooks, add `https://<host>/v1/webhooks/<id>` for accepted, delivered, opened, clicked, unsubscribed, complained, permanent_fail and temporary_fail; set `webhook.signingKey` to the "HTTP webhook signing key".',
});

/** https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/webhook-payloads */
function mailgunEvent(data: Record<string, unknown>, token: string): ProviderEvent {
  const name = str(data.event) ?? '';
  const status = obj(data['delivery-status']);
  const messageId = str(obj(obj(data.message).headers)['message-id']);
  const common = {
    recipient: str(data.recipient),
    eventKey: token || str(data.id) || '',
    providerEventId: str(data.id),
    providerMessageId: messageId?.replace(/^<|>$/g, ''),
    mailoverId: str(obj(data['user-variables']).mailover_id),
    occurredAt: dateOf(data.timestamp, new Date()),
    reason: str(status.description) || str(status.message) || str(data.reason),
    url: str(data.url),
    userAgent: str(obj(data['client-info'])['user-agent']),
  };
  switch (name) {
    case 'accepted':
      return event({ ...common, type: 'queued' });
    case 'delivered':
    case 'opened':
    case 'clicked':
    case 'complained':
    case 'unsubscribed':
    case 'rejected':
      return event({ ...common, type: SIMPLE[name] });
    case 'failed': {
      if (data.severity === 'temporary') return event({ ...common, type: 'deferred' });
      const reason = str(data.reason) ?? '';
      const code = Number(status.code);
      if (reason.startsWith('suppress-') || [605, 606, 607].includes(code))
        return event({ ...common, type: 'rejected' });
      return event({ ...common, type: 'bounced', bounce: reason === 'bounce' ? 'hard' : 'soft' });
    }
    default:
      return event({ ...common, type: 'unknown' });
  }
}

const SIMPLE = {
  delivered: 'delivered',
  opened: 'opened',
  clicked: 'clicked',
  complained: 'complained',
  unsubscribed: 'unsubscribed',
  rejected: 'rejected',
} as const;
