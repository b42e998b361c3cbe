import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsISO8601, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

const ADDRESS = {
  oneOf: [
    { type: 'string', example: 'Ann Lee <ann@example.com>' },
    {
      type: 'object',
      properties: {
        email: { type: 'string', example: 'bob@example.com' },
        name: { type: 'string', example: 'Bob Roe' },
      },
      required: ['email'],
    },
  ],
};

export class AttachmentDto {
  @ApiProperty({ example: 'receipt.pdf' }) filename!: string;
  @ApiPropertyOptional({ example: 'application/pdf' }) contentType?: string;
  @ApiProperty({ description: 'The bytes, base64. Never a path or URL.', example: 'SGVsbG8=' })
  content!: string;
  @ApiPropertyOptional({
    description: 'Makes it an inline part referenced as cid:<contentId>',
    example: 'receipt-1',
  })
  contentId?: string;
}

/**
 * The body of `POST /v1/emails`, for the OpenAPI document. Addresses are strings or objects,
 * so the body is validated by one function (`parseSendRequest`) that names every bad field.
 */
export class SendEmailDto {
  @ApiProperty({ ...ADDRESS, example: 'Acme Support <support@acme.test>' }) from!: unknown;
  @ApiProperty({
    oneOf: [...ADDRESS.oneOf, { type: 'array', items: ADDRESS }],
    example: ['Ann Lee <ann@example.com>'],
  })
  to!: unknown;
  @ApiPropertyOptional({ type: 'array', items: ADDRESS }) cc?: unknown[];
  @ApiPropertyOptional({ type: 'array', items: ADDRESS }) bcc?: unknown[];
  @ApiPropertyOptional(ADDRESS) replyTo?: unknown;
  @ApiProperty({ example: 'Your trip receipt' }) subject!: string;
  @ApiPropertyOptional({
    description: 'html or text (or both) is required',
    example: '<h1>Hi</h1>',
  })
  html?: string;
  @ApiPropertyOptional({ example: 'Hi' }) text?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { 'X-Campaign': 'nov' },
  })
  headers?: Record<string, string>;
  @ApiPropertyOptional({ type: [AttachmentDto] }) attachments?: AttachmentDto[];
  @ApiPropertyOptional({ type: [String], example: ['receipt'] }) tags?: string[];
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { category: 'receipt' },
  })
  metadata?: Record<string, string>;
  @ApiPropertyOptional({
    description:
      'ISO 8601, "YYYY-MM-DD HH:MM:SS" (UTC) or RFC 2822; Mailover holds it and sends it then',
    // Swagger UI's prefilled body must validate as shown: a time inside the scheduling horizon.
    example: tomorrowAtHalfPastNine(),
  })
  sendAt?: string;
  @ApiPropertyOptional({
    type: [String],
    description: 'Restrict the route to these provider ids',
    example: ['sandbox'],
  })
  providers?: string[];
}

function tomorrowAtHalfPastNine(): string {
  const day = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  return `${day}T09:30:00Z`;
}

/** The original service's call (form or JSON). */
export class LegacyEmailDto {
  @ApiProperty({ example: 'ann@example.com' }) to!: string;
  @ApiPropertyOptional({ example: 'Ann Lee' }) to_name?: string;
  @ApiProperty({ example: 'support@acme.test' }) from!: string;
  @ApiPropertyOptional({ example: 'Acme Support' }) from_name?: string;
  @ApiProperty() subject!: string;
  @ApiProperty({ description: 'HTML body' }) body!: string;
  @ApiPropertyOptional({ description: 'Plain-text body' }) text?: string;
  @ApiPropertyOptional({ example: tomorrowAtHalfPastNine().replace('T', ' ').slice(0, 19) })
  send_at?: string;
}

export class ListEmailsQuery {
  @ApiPropertyOptional({ enum: ['queued', 'scheduled', 'sending', 'sent', 'failed', 'cancelled'] })
  @IsOptional()
  @IsIn(['queued', 'scheduled', 'sending', 'sent', 'failed', 'cancelled'])
  status?: 'queued' | 'scheduled' | 'sending' | 'sent' | 'failed' | 'cancelled';

  @ApiPropertyOptional({ description: 'An address in to, cc or bcc' })
  @IsOptional()
  @IsString()
  recipient?: string;

  @ApiPropertyOptional({ description: 'The provider that sent it' })
  @IsOptional()
  @IsString()
  provider?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  tag?: string;

  @ApiPropertyOptional({ description: 'Created at or after (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 date that exists' })
  since?: string;

  @ApiPropertyOptional({ description: 'Created before (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'must be an ISO 8601 date that exists' })
  until?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be a nextCursor value' })
  cursor?: string;

  @ApiPropertyOptional({ default: 50, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}
