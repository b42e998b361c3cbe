import { type DynamicModule, Module } from '@nestjs/common';
import type { ServerRole } from '../config/config.schema';
import { DispatchModule } from '../dispatch/dispatch.module';
import { EmailContentController } from './email-content.controller';
import { EventsModule } from '../events/events.module';
import { EmailsController } from './emails.controller';
import { MetricsController } from './metrics.controller';
import { ProvidersController } from './providers.controller';
import { StatsController } from './stats.controller';
import { WaitSlots } from './wait-slots';
import { WebhookDeliveriesController } from './webhook-deliveries.controller';
import { WebhooksModule } from '../webhooks/webhooks.module';

/** The REST API: thin controllers over dispatch. A worker-only process serves metrics alone. */
@Module({})
export class HttpModule {
  static forRole(role: ServerRole): DynamicModule {
    return {
      module: HttpModule,
      imports:
        role === 'worker'
          ? [DispatchModule, WebhooksModule]
          : [DispatchModule, WebhooksModule, EventsModule],
      controllers:
        role === 'worker'
          ? [MetricsController]
          : [
              EmailsController,
              EmailContentController,
              ProvidersController,
              StatsController,
              WebhookDeliveriesController,
              MetricsController,
            ],
      providers: [WaitSlots],
    };
  }
}
