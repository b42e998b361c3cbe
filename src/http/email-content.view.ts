import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { EmailRecord } from '../domain/email-record';

export class AttachmentInfoView {
  @ApiProperty() filename!: string;
  @ApiProperty() contentType!: string;
  @ApiProperty({ description: 'Bytes' }) size!: number;
  @ApiPropertyOptional({ nullable: true, description: 'Set for inline parts (cid:)' })
  contentId!: string | null;
}

export class EmailContentView {
  @ApiProperty() id!: string;
  @ApiPropertyOptional({ nullable: true }) html!: string | null;
  @ApiPropertyOptional({ nullable: true }) text!: string | null;
  @ApiPropertyOptional({ nullable: true }) replyTo!: string | null;
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'The custom headers of the send request',
  })
  headers!: Record<string, string>;
  @ApiProperty({ type: [AttachmentInfoView], description: 'Names and sizes; never the bytes' })
  attachments!: AttachmentInfoView[];
}

/** What was asked to be sent: the bodies, custom headers and attachment names (not their bytes). */
export function emailContentView(email: EmailRecord): EmailContentView {
  const m = email.message;
  return {
    id: email.id,
    html: m.html ?? null,
    text: m.text ?? null,
    replyTo: m.replyTo ? m.replyTo.email : null,
    headers: m.headers,
    attachments: m.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      size: a.content.length,
      contentId: a.contentId ?? null,
    })),
  };
}
