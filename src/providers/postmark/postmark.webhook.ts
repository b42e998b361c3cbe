import { Transform } from 'class-transformer';
import { IsNotEmpty, IsString } from 'class-validator';
import { IsSecret, toSecret } from '../setting.decorators';
import { WebhookPayloadError, type EventType, type ProviderEvent } from '../../domain/events';
import type { Secret } from '../../domain/secret';
import { defineWebhook } from '../provider.plugin';
import {
  basicMatches,
  dateOf,
  event,
  header,
  isObject,
  obj,
  readJson,
  sha256Hex,
  str,
} from '../webhook-support';

/** A Postmark provider's `webhook:` settings: the webhook's HTTP Basic credentials. */
export class PostmarkWebhookSettings {
  @IsString({ message: 'must be set' })
  @IsNotEmpty({ message: 'must be set' })
  username!: string;

  @Transform(toSecret)
  @IsSecret()
  password!: Secret;
}

/**
 * Postmark signs nothing: HTTP Basic credentials (set as the webhook's HttpAuth), compared in
 * constant time (https://postmarkapp.com/developer/webhooks/webhooks-overview). A retry has the
 * same body, so the body's hash is the delivery's key.
 */
export const postmarkWebhook = defineWebhook<PostmarkWebhookSettings>({
  settings: PostmarkWebhookSettings,
  verify(request, settings) {
    return basicMatches(
      header(request.headers, 'authorization'),
      settings.username,
      settings.password.reveal(),
    )
      ? { ok: true, dedupeKey: sha256Hex(request.body) }
      : { ok: false, reason: 'credentials' };
  },
  parse(body) {
    const payload = readJson(body);
    if (!isObject(payload) || typeof payload.RecordType !== 'string')
      throw new WebhookPayloadError('RecordType is missing');
    return [postmarkEvent(payload)];
  },
  scheme: 'HTTP Basic, compared in constant time (no signature, no timestamp)',
  setup:
    'Servers > the message stream > Webhooks: URL `https://<host>/v1/webhooks/<id>` with Basic auth credentials (`webhook.username`, `webhook.password`), triggers Delivery, Bounce, Spam Complaint, Open, Click, Subscription Change.',
});

/** Bounce `Type` names (ActiveCampaign/postmark.js src/client/models/bounces/Bounce.ts). */
const BOUNCES: Record<string, { type: EventType; bounce?: 'hard' | 'soft' }> = {
  HardBounce: { type: 'bounced', bounce: 'hard' },
  BadEmailAddress: { type: 'bounced', bounce: 'hard' },
  SoftBounce: { type: 'bounced', bounce: 'soft' },
  VirusNotification: { type: 'bounced', bounce: 'soft' },
  Transient: { type: 'deferred' },
  DnsError: { type: 'deferred' },
  ManuallyDeactivated: { type: 'rejected' },
  Blocked: { type: 'rejected' },
  DMARCPolicy: { type: 'rejected' },
  SpamNotification: { type: 'complained' },
  TemplateRenderingFailed: { type: 'failed' },
  SMTPApiError: { type: 'failed' },
};

function postmarkEvent(p: Record<string, unknown>): ProviderEvent {
  const record = str(p.RecordType) ?? '';
  const time = p.DeliveredAt ?? p.BouncedAt ?? p.ReceivedAt ?? p.ChangedAt;
  const common = {
    recipient: str(p.Recipient) ?? str(p.Email),
    eventKey: [record, str(p.MessageID) ?? '', str(time) ?? '', str(p.ID) ?? ''].join(':'),
    providerEventId: str(p.ID),
    providerMessageId: str(p.MessageID),
    mailoverId: str(obj(p.Metadata).mailover_id),
    occurredAt: dateOf(time, new Date()),
    reason: str(p.Description) || str(p.Details) || str(p.SuppressionReason),
    url: str(p.OriginalLink),
    userAgent: str(p.UserAgent),
  };
  switch (record) {
    case 'Delivery':
      return event({ ...common, type: 'delivered' });
    case 'Bounce':
      return event({ ...common, ...(BOUNCES[str(p.Type) ?? ''] ?? { type: 'unknown' }) });
    case 'SpamComplaint':
      return event({ ...common, type: 'complained' });
    case 'Open':
      return event({ ...common, type: 'opened' });
    case 'Click':
      return event({ ...common, type: 'clicked' });
    case 'SubscriptionChange':
      return event({
        ...common,
        type:
          p.SuppressSending === true && p.SuppressionReason === 'ManualSuppression'
            ? 'unsubscribed'
            : 'unknown',
      });
    default:
      return event({ ...common, type: 'unknown' });
  }
}
