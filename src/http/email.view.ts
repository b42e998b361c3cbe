import { EventView, eventView } from '../events/events.dto';
import type { EventRecord } from '../domain/events';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { formatAddress } from '../domain/email';
import type { AttemptRecord, EmailRecord, EmailStatus } from '../domain/email-record';

const STATUSES: EmailStatus[] = ['queued', 'scheduled', 'sending', 'sent', 'failed', 'cancelled'];

export class AcceptedView {
  @ApiProperty({ example: '01JD3Q1ZK6W5V9X8Y7T6S5R4Q3' }) id!: string;
  @ApiProperty({ enum: ['queued', 'scheduled'] }) status!: string;
}

export class AttemptView {
  @ApiProperty() provider!: string;
  @ApiProperty({ enum: ['sent', 'retryable', 'provider', 'permanent', 'ambiguous', 'skipped'] })
  outcome!: string;
  @ApiPropertyOptional({ nullable: true, description: 'HTTP status or SMTP reply code' })
  providerStatus!: number | null;
  @ApiPropertyOptional({ nullable: true }) errorCode!: string | null;
  @ApiPropertyOptional({ nullable: true }) error!: string | null;
  @ApiProperty() durationMs!: number;
  @ApiProperty() at!: string;
}

export class EmailView {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: STATUSES }) status!: EmailStatus;
  @ApiProperty() from!: string;
  @ApiProperty({ type: [String] }) to!: string[];
  @ApiProperty({ type: [String] }) cc!: string[];
  @ApiProperty({ type: [String] }) bcc!: string[];
  @ApiProperty() subject!: string;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) metadata!: Record<
    string,
    string
  >;
  @ApiProperty({ description: 'Attachment names and sizes (content is not returned)' })
  attachments!: Array<{ filename: string; contentType: string; size: number }>;
  @ApiPropertyOptional({ nullable: true }) sendAt!: string | null;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiPropertyOptional({ nullable: true, description: 'The provider that sent it' }) provider!:
    string | null;
  @ApiPropertyOptional({ nullable: true }) providerMessageId!: string | null;
  @ApiPropertyOptional({ nullable: true }) error!: string | null;
  @ApiProperty({ description: 'Rounds of failover so far' }) rounds!: number;
  @ApiPropertyOptional({ type: [AttemptView] }) attempts?: AttemptView[];
  @ApiPropertyOptional({ type: [EventView], description: 'Provider events, oldest first' })
  events?: EventView[];
}

export class EmailPageView {
  @ApiProperty({ type: [EmailView] }) items!: EmailView[];
  @ApiPropertyOptional({ nullable: true, description: 'Pass as `cursor` for the next page' })
  nextCursor!: string | null;
}

/** What the API shows of a stored email: no bodies, no attachment bytes. */
export function emailView(
  email: EmailRecord,
  attempts?: AttemptRecord[],
  events?: EventRecord[],
): EmailView {
  const m = email.message;
  return {
    id: email.id,
    status: email.status,
    from: formatAddress(m.from),
    to: m.to.map(formatAddress),
    cc: m.cc.map(formatAddress),
    bcc: m.bcc.map(formatAddress),
    subject: m.subject,
    tags: m.tags,
    metadata: m.metadata,
    attachments: m.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      size: a.content.length,
    })),
    sendAt: email.sendAt?.toISOString() ?? null,
    createdAt: email.createdAt.toISOString(),
    updatedAt: email.updatedAt.toISOString(),
    provider: email.providerId,
    providerMessageId: email.providerMessageId,
    error: email.lastError,
    rounds: email.rounds,
    ...(attempts
      ? {
          attempts: attempts.map((a) => ({
            provider: a.providerId,
            outcome: a.outcome,
            providerStatus: a.providerStatus,
            errorCode: a.errorCode,
            error: a.error,
            durationMs: a.durationMs,
            at: a.at.toISOString(),
          })),
        }
      : {}),
    ...(events ? { events: events.map(eventView) } : {}),
  };
}
