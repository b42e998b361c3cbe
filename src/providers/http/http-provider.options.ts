import { IsOptional } from 'class-validator';
import { ProviderConfig } from '../provider.options';
import { IsHttpUrl } from '../setting.decorators';
import type { HttpTransport } from './http-transport';
import { ProviderHttp } from './provider-http';

/** The settings of a provider spoken to over HTTP. */
export class HttpProviderConfig extends ProviderConfig {
  /** The API's base URL; default: the provider's production URL (its plug-in's `defaultBaseUrl`). */
  @IsOptional()
  @IsHttpUrl()
  baseUrl?: string;
}

/** One provider's HTTP connection, sized by its settings (timeout, concurrency). */
export function providerHttp(
  options: ProviderConfig,
  baseUrl: string,
  transport: HttpTransport,
): ProviderHttp {
  return new ProviderHttp(
    {
      providerId: options.id,
      baseUrl,
      timeoutMs: options.timeoutMs,
      maxSockets: options.concurrency,
    },
    transport,
  );
}
