import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/auth.decorators';
import { AppWebhooks } from '../webhooks/app-webhooks.service';
import { ListWebhookDeliveriesQuery } from './webhook-deliveries.dto';
import { WebhookDeliveryPageView, webhookDeliveryView } from './webhook-delivery.view';
import { queryValidation } from '../common/validation.pipe';

@ApiTags('webhooks')
@Controller()
export class WebhookDeliveriesController {
  constructor(private readonly webhooks: AppWebhooks) {}

  /** The application's webhooks, newest first, each with its attempts. */
  @Get('v1/webhook-deliveries')
  @RequireScope('admin')
  @ApiOkResponse({ type: WebhookDeliveryPageView })
  async list(
    @Query(queryValidation) q: ListWebhookDeliveriesQuery,
  ): Promise<WebhookDeliveryPageView> {
    const limit = q.limit ?? 50;
    const items = await this.webhooks.list({
      status: q.status,
      endpointId: q.endpoint,
      emailId: q.emailId,
      before: q.cursor,
      limit,
    });
    return {
      items: items.map((i) => webhookDeliveryView(i.delivery, i.attempts)),
      nextCursor: items.length === limit ? items[items.length - 1].delivery.id : null,
    };
  }
}
