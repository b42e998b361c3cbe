import { Module } from '@nestjs/common';
import { ProvidersModule } from '../providers/providers.module';
import { StoreModule } from '../store/store.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { ClaimLoop } from './claim-loop';
import { EmailService } from './email.service';
import { Housekeeping } from './housekeeping.service';
import { OutboxSignals } from './outbox-signals';
import { ProviderRoster } from './provider-roster.service';
import { RoundRunner } from './round-runner';
import { EventSink } from './event-sink';
import { StatsService } from './stats.service';
import { SuppressionGate } from './suppression-gate';

/**
 * Routing, breakers, failover and the outbox: the API side (EmailService) reaches the outbox only
 * through OutboxSignals, so an API-only process (`server.role: api`) runs without a claim loop.
 */
@Module({
  imports: [ProvidersModule, StoreModule, WebhooksModule],
  providers: [
    ProviderRoster,
    OutboxSignals,
    RoundRunner,
    ClaimLoop,
    Housekeeping,
    EmailService,
    EventSink,
    SuppressionGate,
    StatsService,
  ],
  exports: [ProviderRoster, OutboxSignals, EmailService, EventSink, StatsService],
})
export class DispatchModule {}
