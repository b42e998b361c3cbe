import { Transform } from 'class-transformer';
import { IsNotEmpty, IsOptional, IsString, ValidateIf } from 'class-validator';
import { IsSecret, toSecret } from '../setting.decorators';
import { WebhookPayloadError, type ProviderEvent } from '../../domain/events';
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
  safeEqual,
  sha256Hex,
  str,
} from '../webhook-support';

/** A SparkPost provider's `webhook:` settings: Basic credentials, or a bearer token. */
export class SparkpostWebhookSettings {
  @ValidateIf((o: SparkpostWebhookSettings) => o.bearerToken === undefined)
  @IsString({ message: 'must be set (or bearerToken)' })
  @IsNotEmpty({ message: 'must be set (or bearerToken)' })
  username?: string;

  @ValidateIf((o: SparkpostWebhookSettings) => o.bearerToken === undefined)
  @Transform(toSecret)
  @IsSecret({ message: 'must be set (or bearerToken)' })
  password?: Secret;

  /** The OAuth2 token SparkPost sends as `Authorization: Bearer` (from your token endpoint). */
  @IsOptional()
  @Transform(toSecret)
  @IsSecret()
  bearerToken?: Secret;
}

/**
 * SparkPost signs nothing: `Authorization: Basic` or `Bearer`, compared in constant time; a batch
 * is keyed by X-MessageSystems-Batch-ID (SparkPost/developers.sparkpost.com content/api/webhooks.apib).
 */
export const sparkpostWebhook = defineWebhook<SparkpostWebhookSettings>({
  settings: SparkpostWebhookSettings,
  verify(request, settings) {
    const authorization = header(request.headers, 'authorization');
    const valid = settings.bearerToken
      ? safeEqual(authorization?.trim() ?? '', `Bearer ${settings.bearerToken.reveal()}`)
      : basicMatches(authorization, settings.username ?? '', settings.password?.reveal() ?? '');
    if (!valid) return { ok: false, reason: 'credentials' };
    const batch = header(request.headers, 'x-messagesystems-batch-id');
    return { ok: true, dedupeKey: batch ? `batch:${batch}` : sha256Hex(request.body) };
  },
  parse(body) {
    const payload = readJson(body);
    // Computed once: the fallback key of events without an id.
    const digest = sha256Hex(body);
    if (!Array.isArray(payload)) throw new WebhookPayloadError('the body must be a JSON array');
    const events: ProviderEvent[] = [];
    payload.forEach((item, i) => {
      if (!isObject(item)) throw new WebhookPayloadError(`event ${i} is not an object`);
      // `{"msys": {}}` is SparkPost's ping when a webhook is created or tested.
      for (const inner of Object.values(obj(item.msys))) {
        if (isObject(inner)) events.push(sparkpostEvent(inner, `${digest}:${i}`));
      }
    });
    return events;
  },
  scheme: 'HTTP Basic or `Bearer`, compared in constant time (no signature, no timestamp)',
  setup:
    'Webhooks: target `https://<host>/v1/webhooks/<id>`, the events wanted, authentication Basic (`webhook.username`, `webhook.password`) or OAuth 2.0 (`webhook.bearerToken`, the token your token endpoint issues).',
});

/** Bounce classes (https://support.sparkpost.com/docs/deliverability/bounce-classification-codes). */
function bounceEvent(
  bounceClass: number,
  common: Omit<Parameters<typeof event>[0], 'type'>,
): ProviderEvent {
  if (bounceClass === 10 || bounceClass === 30)
    return event({ ...common, type: 'bounced', bounce: 'hard' });
  if (bounceClass === 90) return event({ ...common, type: 'unsubscribed' });
  if (bounceClass === 25) return event({ ...common, type: 'rejected' });
  if (bounceClass === 60 || bounceClass === 100) return event({ ...common, type: 'unknown' });
  return event({ ...common, type: 'bounced', bounce: 'soft' });
}

function sparkpostEvent(e: Record<string, unknown>, fallbackKey: string): ProviderEvent {
  const name = str(e.type) ?? '';
  const common = {
    recipient: str(e.rcpt_to) ?? str(e.raw_rcpt_to),
    eventKey: str(e.event_id) ?? fallbackKey,
    providerEventId: str(e.event_id),
    providerMessageId: str(e.transmission_id),
    mailoverId: str(obj(e.rcpt_meta).mailover_id),
    occurredAt: dateOf(e.timestamp, new Date()),
    reason: str(e.raw_reason) || str(e.reason) || str(e.error_code),
    url: str(e.target_link_url),
    userAgent: str(e.user_agent),
  };
  switch (name) {
    case 'injection':
      return event({ ...common, type: 'queued' });
    case 'delivery':
      return event({ ...common, type: 'delivered' });
    case 'delay':
      return event({ ...common, type: 'deferred' });
    case 'bounce':
    case 'out_of_band':
      return bounceEvent(Number(e.bounce_class), common);
    case 'policy_rejection':
    case 'generation_rejection':
      return event({ ...common, type: 'rejected' });
    case 'generation_failure':
      return event({ ...common, type: 'failed' });
    case 'spam_complaint':
      return event({ ...common, type: 'complained' });
    case 'list_unsubscribe':
    case 'link_unsubscribe':
      return event({ ...common, type: 'unsubscribed' });
    case 'open':
    case 'initial_open':
    case 'amp_open':
    case 'amp_initial_open':
      return event({ ...common, type: 'opened' });
    case 'click':
    case 'amp_click':
      return event({ ...common, type: 'clicked' });
    default:
      return event({ ...common, type: 'unknown' });
  }
}
