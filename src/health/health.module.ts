import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DispatchModule } from '../dispatch/dispatch.module';
import { StoreModule } from '../store/store.module';
import { HealthController } from './health.controller';
import { StoreHealthIndicator } from './store.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), DispatchModule, StoreModule],
  controllers: [HealthController],
  providers: [StoreHealthIndicator],
})
export class HealthModule {}
