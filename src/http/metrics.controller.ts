import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';
import { ProviderRoster } from '../dispatch/provider-roster.service';
import { MetricsService } from '../metrics/metrics.service';

const CIRCUIT = { closed: 0, 'half-open': 1, open: 2 } as const;

/** Prometheus scrape endpoint (open, like the health probes). */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly roster: ProviderRoster,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async scrape(): Promise<string> {
    for (const p of this.roster.list())
      this.metrics.circuit.set({ provider: p.id }, CIRCUIT[p.circuit]);
    return this.metrics.registry.metrics();
  }
}
