import { ValidateBy } from 'class-validator';
import { Transform } from 'class-transformer';
import { IsSecret, toSecret } from '../setting.decorators';
import { WebhookPayloadError, type EventType, type ProviderEvent } from '../../domain/events';
import { Secret } from '../../domain/secret';
import { defineWebhook } from '../provider.plugin';
import {
  dateOf,
  event,
  fresh,
  header,
  hmac,
  isObject,
  obj,
  readJson,
  safeEqual,
  str,
} from '../webhook-support';

/** A Resend provider's `webhook:` settings. */
export class ResendWebhookSettings {
  /** The endpoint's signing secret, `whsec_` + base64. */
  @Transform(toSecret)
  @IsSecret()
  @ValidateBy(
    {
      name: 'isWhsec',
      validator: {
        validate: (value: unknown) =>
          value instanceof Secret && /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(value.reveal()),
      },
    },
    { message: 'must be whsec_ followed by base64' },
  )
  secret!: Secret;
}

/** Standard Webhooks' tolerance (standard-webhooks/standard-webhooks spec/standard-webhooks.md). */
const TOLERANCE_MS = 5 * 60_000;

/**
 * Standard Webhooks (Svix) with `svix-` header names: base64(HMAC-SHA256(base64-decoded secret,
 * `id.timestamp.body`)); any of the space-separated `v1,` signatures may match
 * (https://resend.com/docs/dashboard/webhooks/verify-webhooks-requests).
 */
export const resendWebhook = defineWebhook<ResendWebhookSettings>({
  settings: ResendWebhookSettings,
  verify(request, settings) {
    const id = header(request.headers, 'svix-id') ?? header(request.headers, 'webhook-id');
    const timestamp =
      header(request.headers, 'svix-timestamp') ?? header(request.headers, 'webhook-timestamp');
    const signatures =
      header(request.headers, 'svix-signature') ?? header(request.headers, 'webhook-signature');
    if (!id || !timestamp || !signatures) return { ok: false, reason: 'unsigned' };
    if (!/^\d{1,12}$/.test(timestamp) || !fresh(Number(timestamp), request.now, TOLERANCE_MS))
      return { ok: false, reason: 'stale' };
    const key = Buffer.from(settings.secret.reveal().slice('whsec_'.length), 'base64');
    const expected = hmac(
      'sha256',
      key,
      Buffer.concat([Buffer.from(`${id}.${timestamp}.`), request.body]),
    ).toString('base64');
    const matches = signatures
      .split(' ')
      .some((s) => s.startsWith('v1,') && safeEqual(s.slice(3), expected));
    return matches ? { ok: true, dedupeKey: id } : { ok: false, reason: 'signature' };
  },
  parse(body) {
    const payload = readJson(body);
    if (!isObject(payload) || typeof payload.type !== 'string' || !isObject(payload.data))
      throw new WebhookPayloadError('type and data are required');
    return resendEvents(payload, payload.data);
  },
  scheme:
    'Standard Webhooks (`svix-id`, `svix-timestamp`, `svix-signature`): HMAC-SHA256, any `v1,` signature, within 5 min',
  setup:
    "Dashboard > Webhooks: endpoint `https://<host>/v1/webhooks/<id>` with the email.* events wanted; set `webhook.secret` to the endpoint's signing secret (`whsec_...`).",
});

/** https://resend.com/docs/webhooks/event-types */
const TYPES: Record<string, EventType> = {
  'email.scheduled': 'queued',
  'email.sent': 'sent',
  'email.delivered': 'delivered',
  'email.delivery_delayed': 'deferred',
  'email.bounced': 'bounced',
  'email.suppressed': 'rejected',
  'email.failed': 'failed',
  'email.complained': 'complained',
  'email.opened': 'opened',
  'email.clicked': 'clicked',
};

function tagValue(tags: unknown, name: string): string | undefined {
  if (Array.isArray(tags)) return str(tags.map(obj).find((t) => t.name === name)?.value);
  return str(obj(tags)[name]);
}

function resendEvents(
  payload: Record<string, unknown>,
  data: Record<string, unknown>,
): ProviderEvent[] {
  const name = String(payload.type);
  const type = TYPES[name] ?? 'unknown';
  const bounce = obj(data.bounce);
  const click = obj(data.click);
  const to = Array.isArray(data.to) ? data.to : [data.to];
  const emailId = str(data.email_id);
  const occurredAt = dateOf(payload.created_at, new Date());
  return to.map((recipient) =>
    event({
      type,
      bounce: bounce.type === 'Permanent' ? 'hard' : 'soft',
      recipient: str(recipient),
      eventKey: `${emailId ?? ''}:${name}:${str(payload.created_at) ?? ''}:${str(recipient) ?? ''}`,
      providerMessageId: emailId,
      mailoverId: tagValue(data.tags, 'mailover_id'),
      occurredAt,
      reason: str(bounce.message) || str(obj(data.failed).reason),
      url: str(click.link),
      userAgent: str(click.userAgent),
    }),
  );
}
