import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

const STATUSES = ['pending', 'delivered', 'failed'] as const;

export class ListWebhookDeliveriesQuery {
  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES, { message: `must be one of ${STATUSES.join(', ')}` })
  status?: (typeof STATUSES)[number];

  @ApiPropertyOptional({ description: 'The id of an endpoint of webhooks.endpoints' })
  @IsOptional()
  @IsString()
  endpoint?: string;

  @ApiPropertyOptional({ description: 'Deliveries about this email' })
  @IsOptional()
  @Matches(/^[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be an email id' })
  emailId?: string;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @Matches(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'must be a nextCursor value' })
  cursor?: string;

  @ApiPropertyOptional({ default: 50, maximum: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}
