import { Body, Controller, Delete, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NonceWithWrite, RequireScope } from '../auth/auth.decorators';
import { principalOf, visibleTenant } from '../auth/principal';
import { EmailService } from '../dispatch/email.service';
import { EventService } from '../events/event.service';
import { parseLegacyRequest, parseSendRequest } from '../domain/send-request';
import { AcceptedView, EmailPageView, EmailView, emailView } from './email.view';
import { ListEmailsQuery } from './list-emails.query';
import { LEGACY_REQUEST_REF, SEND_REQUEST_REF } from './send-request.openapi';
import { answerSubmission } from './submission';
import { queryValidation } from '../common/validation.pipe';
import { WaitSlots } from './wait-slots';

const SUBMIT_HEADERS = [
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Same key and body within 24 h: the first answer again',
  }),
  ApiHeader({
    name: 'Prefer',
    required: false,
    description: 'wait=N (N <= 30): answer 200 once sent or failed, if within N seconds',
  }),
];

@ApiTags('emails')
@Controller()
export class EmailsController {
  constructor(
    private readonly emails: EmailService,
    private readonly waits: WaitSlots,
    private readonly events: EventService,
  ) {}

  @Post('v1/emails')
  @RequireScope('send')
  @NonceWithWrite()
  @ApiBody({ schema: SEND_REQUEST_REF })
  @ApiAcceptedResponse({ type: AcceptedView, description: 'Stored durably; Location names it' })
  @ApiOkResponse({ type: EmailView, description: 'With Prefer: wait=N, final within N seconds' })
  @(SUBMIT_HEADERS[0])
  @(SUBMIT_HEADERS[1])
  send(
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answerSubmission(
      this.emails,
      this.waits,
      parseSendRequest(body, this.emails.rules()),
      req,
      reply,
    );
  }

  /** The original service's call: form or JSON `to, to_name, from, from_name, subject, body`. */
  @Post('email')
  @RequireScope('send')
  @NonceWithWrite()
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ schema: LEGACY_REQUEST_REF })
  @ApiAcceptedResponse({ type: AcceptedView })
  @(SUBMIT_HEADERS[0])
  @(SUBMIT_HEADERS[1])
  sendLegacy(
    @Body() body: unknown,
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return answerSubmission(
      this.emails,
      this.waits,
      parseLegacyRequest(body, this.emails.rules()),
      req,
      reply,
    );
  }

  @Get('v1/emails/:id')
  @RequireScope('read')
  @ApiOkResponse({ type: EmailView })
  async get(@Param('id') id: string, @Req() req: FastifyRequest): Promise<EmailView> {
    const { email, attempts } = await this.emails.get(id, visibleTenant(req));
    return emailView(email, attempts, await this.events.eventsOf(id));
  }

  @Get('v1/emails')
  @RequireScope('read')
  @ApiOkResponse({ type: EmailPageView })
  async list(
    @Query(queryValidation) q: ListEmailsQuery,
    @Req() req: FastifyRequest,
  ): Promise<EmailPageView> {
    const limit = q.limit ?? 50;
    const items = await this.emails.list({
      tenant: visibleTenant(req),
      status: q.status,
      recipient: q.recipient,
      provider: q.provider,
      tag: q.tag,
      since: q.since ? new Date(q.since) : undefined,
      until: q.until ? new Date(q.until) : undefined,
      before: q.cursor,
      limit,
    });
    return {
      items: items.map((e) => emailView(e)),
      nextCursor: items.length === limit ? items[items.length - 1].id : null,
    };
  }

  @Delete('v1/emails/:id')
  @RequireScope('send')
  @ApiOkResponse({
    type: EmailView,
    description:
      'Cancelled; 409 once sending has begun. A key without the read scope gets only id and status.',
  })
  async cancel(
    @Param('id') id: string,
    @Req() req: FastifyRequest,
  ): Promise<EmailView | AcceptedView> {
    const email = await this.emails.cancel(id, visibleTenant(req));
    // A send-only key may cancel its tenant's emails, not read them.
    if (!principalOf(req)!.scopes.includes('read')) return { id: email.id, status: email.status };
    return emailView(email);
  }
}
