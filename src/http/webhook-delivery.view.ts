import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { WebhookAttempt, WebhookDelivery } from '../domain/webhook-delivery';

/** At most this many attempts per delivery in an answer (the latest); attemptCount has them all. */
export const MAX_ATTEMPTS_SHOWN = 50;

export class WebhookAttemptView {
  @ApiProperty() at!: string;
  @ApiProperty() durationMs!: number;
  @ApiPropertyOptional({
    nullable: true,
    description: "The endpoint's HTTP status; null when none came (timeout, refused connection)",
  })
  statusCode!: number | null;
  @ApiPropertyOptional({ nullable: true }) error!: string | null;
}

export class WebhookDeliveryView {
  @ApiProperty({
    description: 'The webhook-id header of every attempt',
    example: 'msg_01JD3Q1ZK6W5V9X8Y7T6S5R4Q3',
  })
  id!: string;
  @ApiProperty({ description: 'The id of the endpoint in webhooks.endpoints' }) endpoint!: string;
  @ApiProperty({ example: 'email.sent' }) type!: string;
  @ApiPropertyOptional({ nullable: true }) emailId!: string | null;
  @ApiProperty() tenant!: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] }) status!: string;
  @ApiPropertyOptional({ nullable: true, description: 'When a pending delivery is tried next' })
  nextAttemptAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty({ description: 'Attempts so far' }) attemptCount!: number;
  @ApiProperty({
    type: [WebhookAttemptView],
    description: `Oldest first; the latest ${MAX_ATTEMPTS_SHOWN} when there were more`,
  })
  attempts!: WebhookAttemptView[];
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The body every attempt sends',
  })
  payload!: unknown;
}

export class WebhookDeliveryPageView {
  @ApiProperty({ type: [WebhookDeliveryView] }) items!: WebhookDeliveryView[];
  @ApiPropertyOptional({ nullable: true, description: 'Pass as `cursor` for the next page' })
  nextCursor!: string | null;
}

export function webhookDeliveryView(
  delivery: WebhookDelivery,
  attempts: WebhookAttempt[],
): WebhookDeliveryView {
  return {
    id: delivery.id,
    endpoint: delivery.endpointId,
    type: delivery.type,
    emailId: delivery.emailId,
    tenant: delivery.tenant,
    status: delivery.status,
    nextAttemptAt: delivery.status === 'pending' ? delivery.dueAt.toISOString() : null,
    createdAt: delivery.createdAt.toISOString(),
    updatedAt: delivery.updatedAt.toISOString(),
    attemptCount: delivery.attempts,
    attempts: attempts.slice(-MAX_ATTEMPTS_SHOWN).map((a) => ({
      at: a.at.toISOString(),
      durationMs: a.durationMs,
      statusCode: a.statusCode,
      error: a.error,
    })),
    payload: JSON.parse(delivery.payload) as unknown,
  };
}
