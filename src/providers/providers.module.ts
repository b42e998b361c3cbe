import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { EmailProvider } from '../domain/provider';
import { HttpTransport } from './http/http-transport';
import { InlineTransport } from './http/inline-transport';
import { ThreadTransport } from './http/http-thread';
import { HTTP_THREAD, PROVIDER_CONFIGS, type ProviderConfig } from './provider.options';
import { ProviderRegistry } from './provider.registry';

/** The configured providers, in config order. An injection token because it is a list of implementations. */
export const EMAIL_PROVIDERS = Symbol('EMAIL_PROVIDERS');

@Module({
  providers: [
    {
      provide: HttpTransport,
      inject: [HTTP_THREAD],
      useFactory: (thread: boolean): HttpTransport =>
        thread ? new ThreadTransport() : new InlineTransport(),
    },
    {
      provide: EMAIL_PROVIDERS,
      inject: [PROVIDER_CONFIGS, ProviderRegistry, HttpTransport],
      useFactory: (
        configs: ProviderConfig[],
        registry: ProviderRegistry,
        http: HttpTransport,
      ): EmailProvider[] => configs.map((options) => registry.create(options, { http })),
    },
  ],
  exports: [EMAIL_PROVIDERS, HttpTransport],
})
export class ProvidersModule implements OnApplicationShutdown {
  constructor(
    @Inject(EMAIL_PROVIDERS) private readonly providers: EmailProvider[],
    private readonly http: HttpTransport,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.providers.map((p) => p.close?.()));
    await this.http.shutdown();
  }
}
