import type { OutboundEmail } from '../../domain/email';
import type { ProviderCapabilities } from '../../domain/provider';
import type { Secret } from '../../domain/secret';
import { HttpEmailProvider, type FailureReading } from '../http/http-email.provider';
import type { ProviderHttpRequest, ProviderHttpResponse } from '../http/provider-http';
import type { SendgridOptions } from './sendgrid.options';
import { readSendgridFailure, readSendgridMessageId, sendgridRequest } from './sendgrid.mapper';

export const SENDGRID_CAPABILITIES: ProviderCapabilities = {
  idempotencyKey: false, // SendGrid has no idempotency header or field (docs/providers/sendgrid.md §2)
  maxRecipients: 1000, // to + cc + bcc across personalizations (docs/providers/sendgrid.md §4)
  inlineImages: true,
  tags: true,
  metadata: true,
};

/** Twilio SendGrid v3 Mail Send (`POST /v3/mail/send`, JSON, id in `X-Message-Id`). */
export class SendgridProvider extends HttpEmailProvider<SendgridOptions> {
  readonly type = 'sendgrid';
  readonly capabilities = SENDGRID_CAPABILITIES;

  protected buildRequest(email: OutboundEmail): ProviderHttpRequest {
    return sendgridRequest(email, this.credential('apiKey', this.config.apiKey));
  }

  protected readMessageId(res: ProviderHttpResponse): string | undefined {
    return readSendgridMessageId(res);
  }

  protected readFailure(res: ProviderHttpResponse): FailureReading {
    return readSendgridFailure(res);
  }

  protected secrets(): Array<Secret | undefined> {
    return [this.config.apiKey];
  }
}
