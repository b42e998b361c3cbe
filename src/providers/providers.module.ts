import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { EmailProvider } from '../domain/provider';
import { PROVIDER_CONFIGS, type ProviderConfig } from './provider.options';
import { ProviderRegistry } from './provider.registry';

/** The configured providers, in config order. An injection token because it is a list of implementations. */
export const EMAIL_PROVIDERS = Symbol('EMAIL_PROVIDERS');

@Module({
  providers: [
    {
      provide: EMAIL_PROVIDERS,
      inject: [PROVIDER_CONFIGS, ProviderRegistry],
      useFactory: (configs: ProviderConfig[], registry: ProviderRegistry): EmailProvider[] =>
        configs.map((options) => registry.create(options)),
    },
  ],
  exports: [EMAIL_PROVIDERS],
})
export class ProvidersModule implements OnApplicationShutdown {
  constructor(@Inject(EMAIL_PROVIDERS) private readonly providers: EmailProvider[]) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.providers.map((p) => p.close?.()));
  }
}
