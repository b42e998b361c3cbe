import type { OutboundEmail } from '../../domain/email';
import type { ProviderCapabilities } from '../../domain/provider';
import type { Secret } from '../../domain/secret';
import { HttpEmailProvider, type FailureReading } from '../http/http-email.provider';
import type { ProviderHttpRequest, ProviderHttpResponse } from '../http/provider-http';
import { readSendgridFailure, readSendgridMessageId, sendgridRequest } from './sendgrid.mapper';

/** Twilio SendGrid v3 Mail Send (`POST /v3/mail/send`, JSON, id in `X-Message-Id`). */
export class SendgridProvider extends HttpEmailProvider {
  readonly type = 'sendgrid' as const;
  readonly capabilities: ProviderCapabilities = {
    idempotencyKey: false, // SendGrid has no idempotency header or field (sendgrid.md §2)
    maxRecipients: 1000, // to + cc + bcc across personalizations (sendgrid.md §4)
    inlineImages: true,
    tags: true,
    metadata: true,
  };

  protected buildRequest(email: OutboundEmail): ProviderHttpRequest {
    return sendgridRequest(email, this.credential('apiKey'));
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
