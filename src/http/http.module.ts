import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { EmailsController } from './emails.controller';
import { MetricsController } from './metrics.controller';
import { ProvidersController } from './providers.controller';
import { WaitSlots } from './wait-slots';

/** The REST API: thin controllers over dispatch. */
@Module({
  imports: [DispatchModule],
  controllers: [EmailsController, ProvidersController, MetricsController],
  providers: [WaitSlots],
})
export class HttpModule {}
