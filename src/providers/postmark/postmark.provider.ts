import type { OutboundEmail } from '../../domain/email';
import type { ProviderCapabilities } from '../../domain/provider';
import type { Secret } from '../../domain/secret';
import { HttpEmailProvider, type FailureReading } from '../http/http-email.provider';
import type { ProviderHttpRequest, ProviderHttpResponse } from '../http/provider-http';
import type { PostmarkOptions } from './postmark.options';
import {
  POSTMARK_SEND_PATH,
  readPostmarkFailure,
  readPostmarkMessageId,
  toPostmarkMessage,
} from './postmark.mapper';

export const POSTMARK_CAPABILITIES: ProviderCapabilities = {
  idempotencyKey: false, // Postmark has no idempotency header or field
  maxRecipients: 50, // 50 per To, Cc and Bcc field: 50 in total fits however they are split
  inlineImages: true,
  tags: true, // one `Tag`; further tags travel in Metadata (see the mapper)
  metadata: true,
};

/** Postmark's Email API: `POST /email` with `X-Postmark-Server-Token` (docs/providers/postmark.md). */
export class PostmarkProvider extends HttpEmailProvider<PostmarkOptions> {
  readonly type = 'postmark';
  readonly capabilities = POSTMARK_CAPABILITIES;

  protected buildRequest(email: OutboundEmail): ProviderHttpRequest {
    const token = this.credential('serverToken', this.config.serverToken);
    return {
      method: 'POST',
      path: POSTMARK_SEND_PATH,
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/json',
        'X-Postmark-Server-Token': token,
      },
      body: JSON.stringify(toPostmarkMessage(email, { messageStream: this.config.messageStream })),
    };
  }

  protected readMessageId(res: ProviderHttpResponse): string | undefined {
    return readPostmarkMessageId(res);
  }

  protected readFailure(res: ProviderHttpResponse): FailureReading {
    return readPostmarkFailure(res);
  }

  protected secrets(): Array<Secret | undefined> {
    return [this.config.serverToken];
  }
}
