import { Transform } from 'class-transformer';
import { IsOptional, IsString } from 'class-validator';
import { IsSecret, toSecret } from '../setting.decorators';
import { Secret } from '../../domain/secret';
import { HttpProviderConfig } from '../http/http-provider.options';

/** A `type: postmark` provider's settings. */
export class PostmarkOptions extends HttpProviderConfig {
  @Transform(toSecret)
  @IsSecret()
  serverToken!: Secret;

  /** The message stream; Postmark's default (`outbound`) when unset. */
  @IsOptional()
  @IsString()
  messageStream?: string;
}
