import { Module } from '@nestjs/common';
import { DispatchModule } from '../dispatch/dispatch.module';
import { StoreModule } from '../store/store.module';
import { EventProcessor } from './event-processor.service';
import { EventService } from './event.service';
import { EventsController } from './events.controller';
import { WebhookReceiver } from './webhook-receiver.service';
import { WebhooksController } from './webhooks.controller';

/**
 * Provider events: the providers' webhooks (verified, stored, processed after the answer), the
 * events API and the suppression list. Served by processes with the API (not `worker`).
 */
@Module({
  imports: [DispatchModule, StoreModule],
  controllers: [WebhooksController, EventsController],
  providers: [WebhookReceiver, EventProcessor, EventService],
  exports: [EventService],
})
export class EventsModule {}
