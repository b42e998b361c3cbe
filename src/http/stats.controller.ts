import { Controller, Get, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { RequireScope } from '../auth/auth.decorators';
import { visibleTenant } from '../auth/principal';
import { queryValidation } from '../common/validation.pipe';
import { StatsService } from '../dispatch/stats.service';
import { StatsQuery, StatsView } from './stats.dto';

@ApiTags('providers')
@Controller()
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  /**
   * Per-minute sends, failures and failovers by provider, latency and success rate, and bounce
   * and complaint rates, from the store (every replica's). The caller's tenant's emails only;
   * admin keys see every tenant's.
   */
  @Get('v1/stats')
  @RequireScope('read')
  @ApiOkResponse({ type: StatsView })
  get(@Query(queryValidation) q: StatsQuery, @Req() req: FastifyRequest): Promise<StatsView> {
    return this.stats.stats({
      minutes: q.minutes ?? 60,
      rateHours: q.rateHours ?? 24,
      tenant: visibleTenant(req),
    });
  }
}
