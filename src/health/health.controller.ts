import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/auth.decorators';
import { ProviderRoster } from '../dispatch/provider-roster.service';
import { StoreHealthIndicator } from './store.health';

/** Kubernetes probes. None of them sends email or calls a provider. */
@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly store: StoreHealthIndicator,
    private readonly roster: ProviderRoster,
  ) {}

  /** The process answers: nothing else is checked, so a slow dependency never restarts the pod. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** The store answers and is migrated, and the process is not shutting down. Provider outages never fail it. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.store.check()]);
  }

  /**
   * One entry per provider from the breakers and recent outcomes. Always 200. A provider is
   * `down` when its circuit is open or it is disabled, `degraded` when most of its recent sends
   * failed though its circuit is still closed. Overall: `ok` when every provider is up, `down`
   * when none is up or degraded, else `degraded`.
   */
  @Get('providers')
  @ApiOkResponse({ description: 'status ok | degraded | down, and each provider' })
  providers() {
    const providers = this.roster.list().map((p) => ({
      id: p.id,
      type: p.type,
      status: p.enabled ? p.health : 'down',
      enabled: p.enabled,
      circuit: p.circuit,
      recentSuccessRate: p.recentSuccessRate,
      recentOutcomes: p.recentOutcomes,
      // States only: a provider's error text may quote what we sent it.
      lastError: p.lastError && { kind: p.lastError.kind, at: p.lastError.at },
      lastSuccessAt: p.lastSuccessAt,
    }));
    const up = providers.filter((p) => p.status === 'up').length;
    const usable = providers.filter((p) => p.status !== 'down').length;
    const status = up === providers.length ? 'ok' : usable === 0 ? 'down' : 'degraded';
    return { status, providers };
  }
}
