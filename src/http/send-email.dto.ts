import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDateString,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
} from 'class-validator';

const ADDRESS = {
  oneOf: [
    { type: 'string', example: 'Ann Lee <ann@example.com>' },
    {
      type: 'object',
      properties: { email: { type: 'string' }, name: { type: 'string' } },
      required: ['email'],
    },
  ],
};

export class AttachmentDto {
  @ApiProperty({ example: 'receipt.pdf' }) filename!: string;
  @ApiPropertyOptional({ example: 'application/pdf' }) contentType?: string;
  @ApiProperty({ description: 'The bytes, base64. Never a path or URL.', example: 'SGVsbG8=' })
  content!: string;
  @ApiPropertyOptional({ description: 'Makes it an inline part referenced as cid:<contentId>' })
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
    example: '2030-01-15T09:30:00Z',
  })
  sendAt?: string;
  @ApiPropertyOptional({ type: [String], description: 'Restrict the route to these provider ids' })
  providers?: string[];
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
  @ApiPropertyOptional({ example: '2030-01-15 09:30:00' }) send_at?: string;
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
  @IsDateString()
  since?: string;

  @ApiPropertyOptional({ description: 'Created before (ISO 8601)' })
  @IsOptional()
  @IsDateString()
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
