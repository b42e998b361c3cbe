import type { OutboundEmail } from '../../domain/email';
import type { ProviderCapabilities, SendContext } from '../../domain/provider';
import type { Secret } from '../../domain/secret';
import { HttpEmailProvider, type FailureReading } from '../http/http-email.provider';
import type { ProviderHttpRequest, ProviderHttpResponse } from '../http/provider-http';
import type { ResendOptions } from './resend.options';
import { readResendFailure, readResendMessageId, resendRequest } from './resend.mapper';

export const RESEND_CAPABILITIES: ProviderCapabilities = {
  idempotencyKey: true, // the Idempotency-Key header (docs/providers/resend.md §1)
  maxRecipients: 50, // 50 `to` per email; whether cc/bcc count too is undocumented (docs/providers/resend.md §4)
  inlineImages: true,
  tags: true,
  metadata: true,
};

/** Resend (`POST /emails`, JSON, Bearer key, `Idempotency-Key` honoured for 24 h). */
export class ResendProvider extends HttpEmailProvider<ResendOptions> {
  readonly type = 'resend';
  readonly capabilities = RESEND_CAPABILITIES;

  protected buildRequest(email: OutboundEmail, ctx: SendContext): ProviderHttpRequest {
    return resendRequest(email, this.credential('apiKey', this.config.apiKey), ctx);
  }

  protected readMessageId(res: ProviderHttpResponse): string | undefined {
    return readResendMessageId(res);
  }

  protected readFailure(res: ProviderHttpResponse): FailureReading {
    return readResendFailure(res);
  }

  protected secrets(): Array<Secret | undefined> {
    return [this.config.apiKey];
  }
}
