import type { OutboundEmail } from '../../domain/email';
import type { ProviderCapabilities } from '../../domain/provider';
import { ProviderError } from '../../domain/provider-error';
import type { Secret } from '../../domain/secret';
import { HttpEmailProvider, type FailureReading } from '../http/http-email.provider';
import type { ProviderHttpRequest, ProviderHttpResponse } from '../http/provider-http';
import type { MailgunOptions } from './mailgun.options';
import { mailgunRequest, readMailgunFailure, readMailgunMessageId } from './mailgun.mapper';

export const MAILGUN_CAPABILITIES: ProviderCapabilities = {
  idempotencyKey: false, // Mailgun documents no idempotency key (docs/providers/mailgun.md §2)
  maxRecipients: 1000, // "Too many recipients, max is 1000" (docs/providers/mailgun.md §4)
  inlineImages: true,
  tags: true,
  metadata: true,
};

/** Mailgun Messages API v3 (`POST /v3/{domain}/messages`, multipart), US or EU host. */
export class MailgunProvider extends HttpEmailProvider<MailgunOptions> {
  readonly type = 'mailgun';
  readonly capabilities = MAILGUN_CAPABILITIES;

  protected buildRequest(email: OutboundEmail): ProviderHttpRequest {
    const domain = this.config.domain;
    if (!domain) throw new ProviderError(this.id, 'provider', 'domain is not configured');
    return mailgunRequest(email, {
      domain,
      apiKey: this.credential('apiKey', this.config.apiKey),
      baseUrl: this.http.baseUrl,
    });
  }

  protected readMessageId(res: ProviderHttpResponse): string | undefined {
    return readMailgunMessageId(res);
  }

  protected readFailure(res: ProviderHttpResponse): FailureReading {
    return readMailgunFailure(res);
  }

  protected secrets(): Array<Secret | undefined> {
    return [this.config.apiKey];
  }
}
