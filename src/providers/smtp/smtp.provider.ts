// PLACEHOLDER: replaced by the real adapter (issue 2). Throws so that nothing pretends to send.
import type { ProviderConfig } from '../../config/config.schema';
import type { OutboundEmail } from '../../domain/email';
import type { EmailProvider, ProviderCapabilities, SendReceipt } from '../../domain/provider';

export class SmtpProvider implements EmailProvider {
  readonly type = 'smtp' as const;
  readonly capabilities: ProviderCapabilities = { idempotencyKey: false, maxRecipients: 50, inlineImages: true, tags: false, metadata: false };
  readonly id: string;
  constructor(config: ProviderConfig) {
    this.id = config.id;
  }
  async send(_email: OutboundEmail): Promise<SendReceipt> {
    throw new Error('smtp adapter not implemented yet');
  }
}
