// PLACEHOLDER: replaced by the real adapter (issue 2). Throws so that nothing pretends to send.
import type { ProviderConfig } from '../../config/config.schema';
import type { OutboundEmail } from '../../domain/email';
import type { EmailProvider, ProviderCapabilities, SendReceipt } from '../../domain/provider';
import type { ProviderHttp } from '../http/provider-http';

export class ResendProvider implements EmailProvider {
  readonly type = 'resend' as const;
  readonly capabilities: ProviderCapabilities = { idempotencyKey: false, maxRecipients: 50, inlineImages: false, tags: false, metadata: false };
  readonly id: string;
  constructor(config: ProviderConfig, _http: ProviderHttp) {
    this.id = config.id;
  }
  async send(_email: OutboundEmail): Promise<SendReceipt> {
    throw new Error('resend adapter not implemented yet');
  }
}
