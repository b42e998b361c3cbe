import { formatAddress, type OutboundEmail } from '../../../src/domain/email';
import type { ProviderCapabilities } from '../../../src/domain/provider';
import type { Secret } from '../../../src/domain/secret';
import {
  HttpEmailProvider,
  type FailureReading,
} from '../../../src/providers/http/http-email.provider';
import type {
  ProviderHttpRequest,
  ProviderHttpResponse,
} from '../../../src/providers/http/provider-http';
import type { AcmeOptions } from './acme.options';

export const ACME_CAPABILITIES: ProviderCapabilities = {
  idempotencyKey: false,
  maxRecipients: 10,
  inlineImages: false,
  tags: false,
  metadata: true,
};

/** Acme Mail: `POST /v1/send` with `X-Acme-Key`, JSON in, `201 {"ref"}` out. */
export class AcmeProvider extends HttpEmailProvider<AcmeOptions> {
  readonly type = 'acme';
  readonly capabilities = ACME_CAPABILITIES;

  protected buildRequest(email: OutboundEmail): ProviderHttpRequest {
    return {
      method: 'POST',
      path: '/v1/send',
      headers: {
        'Content-Type': 'application/json',
        'X-Acme-Key': this.credential('apiKey', this.config.apiKey),
      },
      body: JSON.stringify({
        channel: this.config.channel ?? 'transactional',
        from: formatAddress(email.from),
        to: [...email.to, ...email.cc, ...email.bcc].map((a) => a.email),
        subject: email.subject,
        text: email.text,
        html: email.html,
        meta: { ...email.metadata, mailover_id: email.id },
      }),
    };
  }

  protected readMessageId(res: ProviderHttpResponse): string | undefined {
    try {
      const ref = (JSON.parse(res.text) as { ref?: unknown }).ref;
      return typeof ref === 'string' ? ref : undefined;
    } catch {
      return undefined;
    }
  }

  protected readFailure(res: ProviderHttpResponse): FailureReading {
    if (res.status === 401) return { kind: 'provider', message: 'bad key' };
    if (res.status === 429 || res.status >= 500) return { kind: 'retryable', message: res.text };
    return { kind: 'permanent', message: res.text };
  }

  protected secrets(): Array<Secret | undefined> {
    return [this.config.apiKey];
  }
}
