import { type DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from './auth/auth.module';
import { ConfigModule } from './config/config.module';
import type { AppConfig } from './config/config.schema';
import { HealthModule } from './health/health.module';
import { HttpModule } from './http/http.module';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import type { ProviderRegistry } from './providers/provider.registry';

/** The composition root. */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig, registry?: ProviderRegistry): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, registry),
        LoggingModule,
        MetricsModule,
        AuthModule,
        HttpModule.forRole(config.server.role),
        HealthModule,
      ],
    };
  }
}
