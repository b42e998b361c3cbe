import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query, Req } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { RequireScope } from '../auth/auth.decorators';
import { visibleTenant } from '../auth/principal';
import { queryValidation } from '../common/validation.pipe';
import { EventService } from './event.service';
import {
  EventPageView,
  eventView,
  ListEventsQuery,
  ListSuppressionsQuery,
  PutSuppressionDto,
  SuppressionPageView,
  SuppressionView,
  suppressionView,
} from './events.dto';

@ApiTags('events')
@Controller()
export class EventsController {
  constructor(private readonly events: EventService) {}

  /** Newest first; the caller's tenant only (admin keys: every event, unmatched ones too). */
  @Get('v1/events')
  @RequireScope('read')
  @ApiOkResponse({ type: EventPageView })
  async list(
    @Query(queryValidation) q: ListEventsQuery,
    @Req() req: FastifyRequest,
  ): Promise<EventPageView> {
    const limit = q.limit ?? 50;
    const items = await this.events.list({
      tenant: visibleTenant(req),
      type: q.type,
      recipient: q.recipient,
      emailId: q.emailId,
      providerId: q.providerId,
      since: q.since ? new Date(q.since) : undefined,
      until: q.until ? new Date(q.until) : undefined,
      before: q.cursor,
      limit,
    });
    return {
      items: items.map(eventView),
      nextCursor: items.length === limit ? items[items.length - 1].id : null,
    };
  }

  @Get('v1/suppressions')
  @RequireScope('admin')
  @ApiOkResponse({ type: SuppressionPageView })
  async suppressions(
    @Query(queryValidation) q: ListSuppressionsQuery,
  ): Promise<SuppressionPageView> {
    const limit = q.limit ?? 50;
    const items = await this.events.listSuppressions({
      address: q.email,
      reason: q.reason,
      after: q.cursor,
      limit,
    });
    return {
      items: items.map(suppressionView),
      nextCursor: items.length === limit ? items[items.length - 1].address : null,
    };
  }

  @Put('v1/suppressions/:email')
  @RequireScope('admin')
  @ApiOkResponse({ type: SuppressionView })
  async suppress(
    @Param('email') email: string,
    @Body(queryValidation) _body: PutSuppressionDto,
  ): Promise<SuppressionView> {
    return suppressionView(await this.events.suppress(email));
  }

  @Delete('v1/suppressions/:email')
  @RequireScope('admin')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Taken off the list; 404 when it was not on it' })
  async unsuppress(@Param('email') email: string): Promise<void> {
    await this.events.unsuppress(email);
  }
}
