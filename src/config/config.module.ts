import {
  type DynamicModule,
  type FactoryProvider,
  Global,
  Module,
  type ValueProvider,
} from '@nestjs/common';
import {
  ConfigModule as NestConfigModule,
  type ConfigService,
  getConfigToken,
  registerAs,
} from '@nestjs/config';
import {
  AppConfig,
  AuthConfig,
  DispatchConfig,
  EventsConfig,
  LimitsConfig,
  LoggingConfig,
  RateLimitConfig,
  ServerConfig,
  StoreConfig,
  WebhooksConfig,
  SuppressionConfig,
} from './config.schema';
import { HTTP_THREAD, PROVIDER_CONFIGS } from '../providers/provider.options';
import { ProviderRegistry } from '../providers/provider.registry';

/** The namespace @nestjs/config holds the validated configuration under. */
export const MAILOVER_NAMESPACE = 'mailover';
/** The injection token of the whole validated configuration, as @nestjs/config registers it. */
export const MAILOVER_CONFIG = getConfigToken(MAILOVER_NAMESPACE);
/** @nestjs/config's service, typed: `get('mailover.dispatch', { infer: true })` is a DispatchConfig. */
export type MailoverConfigService = ConfigService<{ [MAILOVER_NAMESPACE]: AppConfig }, true>;

/** Each section class and where it sits in the configuration. */
const SECTIONS = [
  [ServerConfig, 'server'],
  [StoreConfig, 'store'],
  [DispatchConfig, 'dispatch'],
  [AuthConfig, 'auth'],
  [RateLimitConfig, 'rateLimit'],
  [LimitsConfig, 'limits'],
  [LoggingConfig, 'logging'],
  [WebhooksConfig, 'webhooks'],
  [EventsConfig, 'events'],
  [SuppressionConfig, 'suppression'],
] as const satisfies ReadonlyArray<readonly [abstract new () => object, keyof AppConfig]>;

/**
 * Makes the validated configuration injectable: the whole `AppConfig` and each section by its
 * class. `loadConfig` reads and validates it before Nest boots (see main.ts), so a bad config
 * never starts half an application; @nestjs/config then holds it under the `mailover`
 * namespace (its ConfigService answers `mailover.<section>`, and nothing from process.env), and
 * every section is read from there. The provider plug-in registry that validated `providers`
 * comes with it, so adapters are built by the same plug-ins.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig, registry = new ProviderRegistry()): DynamicModule {
    const sections: Array<ValueProvider | FactoryProvider> = [
      { provide: ProviderRegistry, useValue: registry },
      { provide: AppConfig, inject: [MAILOVER_CONFIG], useFactory: (c: AppConfig) => c },
      ...SECTIONS.map(([section, key]) => ({
        provide: section,
        inject: [AppConfig],
        useFactory: (c: AppConfig) => c[key],
      })),
      { provide: PROVIDER_CONFIGS, inject: [AppConfig], useFactory: (c: AppConfig) => c.providers },
      {
        provide: HTTP_THREAD,
        inject: [AppConfig],
        useFactory: (c: AppConfig) => c.server.httpThread,
      },
    ];
    return {
      module: ConfigModule,
      imports: [
        NestConfigModule.forRoot({
          // The loader is the one place that reads the environment and config files.
          ignoreEnvFile: true,
          validatePredefined: false,
          skipProcessEnv: true,
          load: [registerAs(MAILOVER_NAMESPACE, () => config)],
        }),
      ],
      providers: sections,
      exports: [NestConfigModule, ...sections.map((s) => s.provide)],
    };
  }
}
