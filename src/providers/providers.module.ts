import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/config.schema';
import type { EmailProvider } from '../domain/provider';
import { ProviderRegistry } from './provider.registry';

/** The configured providers, in config order. An injection token because it is a list of implementations. */
export const EMAIL_PROVIDERS = Symbol('EMAIL_PROVIDERS');

@Module({
  providers: [
    {
      provide: EMAIL_PROVIDERS,
      inject: [AppConfig, ProviderRegistry],
      useFactory: (config: AppConfig, registry: ProviderRegistry): EmailProvider[] =>
        config.providers.map((options) => registry.create(options)),
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
