import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule as NestConfigModule } from '@nestjs/config';
import {
  AppConfig,
  AuthConfig,
  DispatchConfig,
  LimitsConfig,
  LoggingConfig,
  RateLimitConfig,
  ServerConfig,
  StoreConfig,
} from './config.schema';
import { PROVIDER_CONFIGS } from '../providers/provider.options';
import { ProviderRegistry } from '../providers/provider.registry';

/**
 * Makes the validated configuration injectable: the whole `AppConfig` and each section by its
 * class. It is loaded and validated before Nest boots (see main.ts), so a bad config never
 * starts half an application. The provider plug-in registry that validated `providers` comes
 * with it, so adapters are built by the same plug-ins.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig, registry = new ProviderRegistry()): DynamicModule {
    const sections = [
      { provide: ProviderRegistry, useValue: registry },
      { provide: AppConfig, useValue: config },
      { provide: ServerConfig, useValue: config.server },
      { provide: StoreConfig, useValue: config.store },
      { provide: DispatchConfig, useValue: config.dispatch },
      { provide: AuthConfig, useValue: config.auth },
      { provide: RateLimitConfig, useValue: config.rateLimit },
      { provide: LimitsConfig, useValue: config.limits },
      { provide: LoggingConfig, useValue: config.logging },
      { provide: PROVIDER_CONFIGS, useValue: config.providers },
    ];
    return {
      module: ConfigModule,
      imports: [
        NestConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ mailover: config })] }),
      ],
      providers: sections,
      exports: sections.map((s) => s.provide),
    };
  }
}
