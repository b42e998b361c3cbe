import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { EmailsController } from './emails.controller';
import { MetricsController } from './metrics.controller';
import { ProvidersController } from './providers.controller';

/** The REST API: thin controllers over dispatch. */
@Module({
  imports: [DispatchModule],
  controllers: [EmailsController, ProvidersController, MetricsController],
})
export class HttpModule {}
