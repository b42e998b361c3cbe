import type { OutboundEmail } from '../../domain/email';
import type { ProviderCapabilities } from '../../domain/provider';
import { ProviderError } from '../../domain/provider-error';
import { redactSecrets, type Secret } from '../../domain/secret';
import { HttpEmailProvider, type FailureReading } from '../http/http-email.provider';
import type { ProviderHttpRequest, ProviderHttpResponse } from '../http/provider-http';
import type { MandrillOptions } from './mandrill.options';
import {
  MANDRILL_SEND_PATH,
  readMandrillFailure,
  readMandrillResult,
  toMandrillSend,
} from './mandrill.mapper';

export const MANDRILL_CAPABILITIES: ProviderCapabilities = {
  idempotencyKey: false, // Mandrill has no idempotency field or header
  maxRecipients: 1000, // no documented per-call maximum; a cap we choose (over 10 is always async)
  inlineImages: true, // `images[]`, name = Content-ID (image/* only)
  tags: true,
  metadata: true,
};

/**
 * Mandrill (Mailchimp Transactional): `POST /messages/send` with the API key as `"key"` in the
 * JSON body, no auth header (docs/providers/mandrill.md).
 */
export class MandrillProvider extends HttpEmailProvider<MandrillOptions> {
  readonly type = 'mandrill';
  readonly capabilities = MANDRILL_CAPABILITIES;

  protected buildRequest(email: OutboundEmail): ProviderHttpRequest {
    const key = this.credential('apiKey', this.config.apiKey);
    return {
      method: 'POST',
      path: MANDRILL_SEND_PATH,
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: JSON.stringify({ key: key, ...toMandrillSend(email) }),
    };
  }

  /**
   * The first accepted recipient's `_id`. A 200 in which every recipient was refused is a
   * permanent failure, thrown here because the base class reads only ids from a 2xx.
   */
  protected readMessageId(res: ProviderHttpResponse): string | undefined {
    const result = readMandrillResult(res.text);
    if (result && 'failure' in result) {
      const { kind, message, code } = result.failure;
      const text = redactSecrets(`HTTP ${res.status}: ${message}`.slice(0, 2000), this.secrets());
      throw new ProviderError(this.id, kind, text, { status: res.status, code });
    }
    return result?.messageId;
  }

  protected readFailure(res: ProviderHttpResponse): FailureReading {
    return readMandrillFailure(res.status, res.text);
  }

  protected secrets(): Array<Secret | undefined> {
    return [this.config.apiKey];
  }
}
