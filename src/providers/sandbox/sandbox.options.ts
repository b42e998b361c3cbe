import { IsOptional, IsString } from 'class-validator';
import { ProviderConfig } from '../provider.options';

/** A `type: sandbox` provider's settings. */
export class SandboxOptions extends ProviderConfig {
  /** Where .eml files go, relative to the data directory unless absolute; default `outbox`. */
  @IsOptional()
  @IsString()
  directory?: string;
}
