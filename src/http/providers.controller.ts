import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/auth.decorators';
import { ProviderRoster, type ProviderView } from '../dispatch/provider-roster.service';

@ApiTags('providers')
@Controller('v1/providers')
export class ProvidersController {
  constructor(private readonly roster: ProviderRoster) {}

  @Get()
  @RequireScope('read')
  @ApiOkResponse({
    description:
      'Each provider: id, type, priority, weight, enabled, capabilities, circuit state, recent outcomes. Never credentials.',
  })
  list(): { items: ProviderView[] } {
    return { items: this.roster.list() };
  }

  /** Drains a provider: no new sends go to it, on any replica, until enabled; survives restarts. */
  @Post(':id/disable')
  @HttpCode(200)
  @RequireScope('admin')
  disable(@Param('id') id: string): Promise<ProviderView> {
    return this.roster.setEnabled(id, false);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @RequireScope('admin')
  enable(@Param('id') id: string): Promise<ProviderView> {
    return this.roster.setEnabled(id, true);
  }
}
