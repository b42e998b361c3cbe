import { Transform } from 'class-transformer';
import { IsOptional, IsString, Matches } from 'class-validator';
import { ProviderConfig } from '../provider.options';
import { IsHttpUrl, IsSecret, toSecret } from '../setting.decorators';
import { Secret } from '../../domain/secret';

/** A `type: ses` provider's settings. SES takes `endpoint` where other HTTP types take `baseUrl`. */
export class SesOptions extends ProviderConfig {
  @IsString({ message: 'must be set' })
  @Matches(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'must be an AWS region like eu-west-1' })
  region!: string;

  @Transform(toSecret)
  @IsSecret()
  accessKeyId!: Secret;

  @Transform(toSecret)
  @IsSecret()
  secretAccessKey!: Secret;

  /** Temporary credentials only. */
  @IsOptional()
  @Transform(toSecret)
  @IsSecret()
  sessionToken?: Secret;

  /** The API's URL (VPC endpoints, local fakes); default `https://email.<region>.amazonaws.com`. */
  @IsOptional()
  @IsHttpUrl()
  endpoint?: string;

  @IsOptional()
  @IsString()
  configurationSet?: string;
}
