import { Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConsumes,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiProperty,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ProviderWebhookRoute } from '../auth/auth.decorators';
import { NotFoundError } from '../domain/errors';
import { ProblemException } from '../common/problem';
import { type Receipt, WebhookReceiver } from './webhook-receiver.service';

export class WebhookAnswer {
  @ApiProperty({ description: 'true: stored durably' })
  received!: boolean;

  @ApiProperty({ description: 'true: this delivery was received before and is not stored again' })
  duplicate!: boolean;
}

@ApiTags('webhooks')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly receiver: WebhookReceiver) {}

  @Post(':providerId')
  @ProviderWebhookRoute()
  @HttpCode(200)
  @ApiOperation({
    summary: "A provider's event webhook",
    description:
      "Verified with the provider's own scheme (not Mailover's signature) over the raw body, then stored and answered; events are processed after the answer.",
  })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded', 'text/plain')
  @ApiOkResponse({ type: WebhookAnswer })
  @ApiUnauthorizedResponse({ description: 'Verification failed; nothing was stored' })
  @ApiBadRequestResponse({ description: 'Verified, but the payload cannot be read' })
  @ApiNotFoundResponse({ description: 'No such provider, or it has no `webhook` setting' })
  @ApiPayloadTooLargeResponse({ description: 'Above events.webhookBodyLimitBytes' })
  @ApiTooManyRequestsResponse({ description: 'Over rateLimit.webhooks for this address' })
  async receive(
    @Param('providerId') providerId: string,
    @Req() req: FastifyRequest,
  ): Promise<WebhookAnswer> {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    return answer(await this.receiver.receive(providerId, req.url, req.headers, body), providerId);
  }

  /** Mandrill checks a webhook URL with HEAD before it saves it (HEAD is served by this route). */
  @Get(':providerId')
  @ProviderWebhookRoute()
  @ApiOperation({ summary: 'Answers 200 for a provider with a `webhook` setting (URL checks)' })
  @ApiOkResponse({ type: WebhookAnswer })
  @ApiNotFoundResponse({ description: 'No such provider, or it has no `webhook` setting' })
  check(@Param('providerId') providerId: string): WebhookAnswer {
    if (!this.receiver.accepts(providerId)) throw notFound(providerId);
    return { received: false, duplicate: false };
  }
}

function notFound(providerId: string): NotFoundError {
  return new NotFoundError(`no provider ${providerId} with a webhook setting`);
}

function answer(receipt: Receipt, providerId: string): WebhookAnswer {
  switch (receipt.result) {
    case 'stored':
    case 'duplicate':
      return { received: true, duplicate: receipt.result === 'duplicate' };
    case 'unverified':
      throw new ProblemException(
        401,
        'webhook-unverified',
        'Unauthorized',
        "The request does not carry a valid signature or credentials of this provider's webhook.",
      );
    case 'unparseable':
      throw new ProblemException(
        400,
        'webhook-unreadable',
        'Bad request',
        `The payload cannot be read: ${receipt.detail}.`,
      );
    default:
      throw notFound(providerId);
  }
}
