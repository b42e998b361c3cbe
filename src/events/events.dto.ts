import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsISO8601, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import {
  EVENT_TYPES,
  SUPPRESSION_REASONS,
  type EventType,
  type SuppressionReason,
} from '../domain/events';
import type { EventRecord, SuppressionRecord } from '../store/events.store';

const CURSOR = /^[0-9A-HJKMNP-TV-Z]{26}$/;

export class EventView {
  @ApiProperty() id!: string;
  @ApiPropertyOptional({ nullable: true, description: 'null when no email matched (admin only)' })
  emailId!: string | null;
  @ApiProperty({ enum: EVENT_TYPES }) type!: EventType;
  @ApiPropertyOptional({ enum: ['hard', 'soft'] }) bounce?: 'hard' | 'soft';
  @ApiProperty() recipient!: string;
  @ApiProperty({ description: 'The provider that reported it (`mailover` for suppressed)' })
  providerId!: string;
  @ApiPropertyOptional() providerEventId?: string;
  @ApiProperty() occurredAt!: string;
  @ApiProperty() receivedAt!: string;
  @ApiPropertyOptional() reason?: string;
  @ApiPropertyOptional() url?: string;
  @ApiPropertyOptional() userAgent?: string;
}

export class EventPageView {
  @ApiProperty({ type: [EventView] }) items!: EventView[];
  @ApiPropertyOptional({ nullable: true, description: 'Pass as `cursor` for the next page' })
  nextCursor!: string | null;
}

/** What the API shows of an event: the normalized fields, never the raw payload or the tenant. */
export function eventView(e: EventRecord): EventView {
  const view: EventView = {
    id: e.id,
    emailId: e.emailId,
    type: e.type,
    recipient: e.recipient,
    providerId: e.providerId,
    occurredAt: e.occurredAt.toISOString(),
    receivedAt: e.receivedAt.toISOString(),
  };
  if (e.bounce) view.bounce = e.bounce;
  if (e.providerEventId) view.providerEventId = e.providerEventId;
  if (e.reason) view.reason = e.reason;
  if (e.url) view.url = e.url;
  if (e.userAgent) view.userAgent = e.userAgent;
  return view;
}

export class ListEventsQuery {
  @ApiPropertyOptional({ enum: EVENT_TYPES })
  @IsOptional()
  @IsIn(EVENT_TYPES as unknown as string[], { message: `must be one of ${EVENT_TYPES.join(', ')}` })
  type?: EventType;

  @ApiPropertyOptional({ description: 'The recipient address (any case)' })
  @IsOptional()
  @IsString()
  recipient?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Matches(CURSOR, { message: 'must be an email id' })
  emailId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  providerId?: string;

  @ApiPropertyOptional({ description: 'Occurred at or after (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 date that exists' })
  since?: string;

  @ApiPropertyOptional({ description: 'Occurred before (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 date that exists' })
  until?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(CURSOR, { message: 'must be a nextCursor value' })
  cursor?: string;

  @ApiPropertyOptional({ default: 50, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class SuppressionView {
  @ApiProperty() email!: string;
  @ApiProperty({ enum: SUPPRESSION_REASONS }) reason!: SuppressionReason;
  @ApiPropertyOptional({ nullable: true, description: 'The event that caused it' })
  eventId!: string | null;
  @ApiPropertyOptional({ nullable: true }) providerId!: string | null;
  @ApiProperty() createdAt!: string;
}

export class SuppressionPageView {
  @ApiProperty({ type: [SuppressionView] }) items!: SuppressionView[];
  @ApiPropertyOptional({ nullable: true, description: 'Pass as `cursor` for the next page' })
  nextCursor!: string | null;
}

export function suppressionView(s: SuppressionRecord): SuppressionView {
  return {
    email: s.address,
    reason: s.reason,
    eventId: s.eventId,
    providerId: s.providerId,
    createdAt: s.createdAt.toISOString(),
  };
}

export class ListSuppressionsQuery {
  @ApiPropertyOptional({ description: 'One address (any case)' })
  @IsOptional()
  @IsString()
  email?: string;

  @ApiPropertyOptional({ enum: SUPPRESSION_REASONS })
  @IsOptional()
  @IsIn(SUPPRESSION_REASONS as unknown as string[], {
    message: `must be one of ${SUPPRESSION_REASONS.join(', ')}`,
  })
  reason?: SuppressionReason;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({ default: 50, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}

export class PutSuppressionDto {
  @ApiProperty({ enum: ['manual'] })
  @IsIn(['manual'], { message: 'must be manual' })
  reason!: 'manual';
}
