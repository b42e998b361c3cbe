import { Module } from '@nestjs/common';
import { StoreModule } from '../store/store.module';
import { AppWebhooks } from './app-webhooks.service';
import { WebhookWorker } from './webhook-worker';

/**
 * The application's signed webhooks: AppWebhooks turns events into stored deliveries (for
 * dispatch and the provider events), the worker sends them.
 */
@Module({
  imports: [StoreModule],
  providers: [AppWebhooks, WebhookWorker],
  exports: [AppWebhooks],
})
export class WebhooksModule {}
