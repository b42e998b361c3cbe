import { Module } from '@nestjs/common';
import { ProvidersModule } from '../providers/providers.module';
import { StoreModule } from '../store/store.module';
import { EmailService } from './email.service';
import { OutboxWorker } from './outbox.worker';
import { ProviderRoster } from './provider-roster.service';

/** Routing, breakers, failover and the outbox worker. */
@Module({
  imports: [ProvidersModule, StoreModule],
  providers: [ProviderRoster, OutboxWorker, EmailService],
  exports: [ProviderRoster, OutboxWorker, EmailService],
})
export class DispatchModule {}
