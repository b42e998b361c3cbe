import type { WebhookEndpointConfig, WebhookEventType } from '../config/config.schema';
import { newId } from '../domain/id';
import type { EmailRecord } from '../store/email.store';
import type { NewWebhookDelivery } from '../store/webhook-deliveries.store';

/**
 * What happened to an email, as the application's webhook tells it (`data.event`): at least a
 * `type` (`sent`, `failed`, `delivered`, `bounced`, ...) and when it happened; events received
 * from providers carry the rest of their fields (recipient, providerId, reason, url, ...).
 */
export interface AppEvent {
  type: string;
  occurredAt: Date | string;
  [field: string]: unknown;
}

/** Fields of an event never sent to an endpoint (a provider's raw payload stays in Mailover). */
const PRIVATE_EVENT_FIELDS = new Set(['raw', 'rawPayload', 'payload']);

/** Whether the endpoint takes events of this type about emails of this tenant. */
export function subscribes(
  endpoint: Pick<WebhookEndpointConfig, 'events' | 'tenants'>,
  type: WebhookEventType,
  tenant: string,
): boolean {
  if (endpoint.tenants && !endpoint.tenants.includes(tenant)) return false;
  return endpoint.events.includes('*') || endpoint.events.includes(type);
}

/**
 * The Standard Webhooks body: `{type, timestamp, data: {emailId, tenant, event, email}}`. The
 * email is its state after the event, without addresses or content.
 */
export function webhookBody(
  type: WebhookEventType,
  email: EmailRecord,
  event: AppEvent,
  now: Date,
): string {
  const shown: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(event)) {
    if (PRIVATE_EVENT_FIELDS.has(field)) continue;
    shown[field] = value instanceof Date ? value.toISOString() : value;
  }
  return JSON.stringify({
    type,
    timestamp: now.toISOString(),
    data: {
      emailId: email.id,
      tenant: email.tenant,
      event: shown,
      email: {
        id: email.id,
        status: email.status,
        providerId: email.providerId,
        providerMessageId: email.providerMessageId,
        tags: email.message.tags,
        metadata: email.message.metadata,
      },
    },
  });
}

/** One delivery per endpoint that subscribes to this event; the body is built once and shared. */
export function deliveriesOf(
  endpoints: readonly WebhookEndpointConfig[],
  type: WebhookEventType,
  email: EmailRecord,
  event: AppEvent,
  now: Date,
): NewWebhookDelivery[] {
  const targets = endpoints.filter((e) => subscribes(e, type, email.tenant));
  if (targets.length === 0) return [];
  const payload = webhookBody(type, email, event, now);
  return targets.map((endpoint) => ({
    id: `msg_${newId(now.getTime())}`,
    endpointId: endpoint.id,
    type,
    emailId: email.id,
    tenant: email.tenant,
    payload,
    createdAt: now,
  }));
}
