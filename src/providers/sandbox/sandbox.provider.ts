import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { OutboundEmail } from '../../domain/email';
import type {
  EmailProvider,
  ProviderCapabilities,
  SendContext,
  SendReceipt,
} from '../../domain/provider';
import { ProviderError } from '../../domain/provider-error';
import { toMailOptions } from '../mime';
import type { SandboxOptions } from './sandbox.options';

export const SANDBOX_CAPABILITIES: ProviderCapabilities = {
  idempotencyKey: false, // no key to pass; a retried send overwrites the same <id>.eml anyway
  maxRecipients: 1000,
  inlineImages: true,
  tags: true,
  metadata: true,
};

/**
 * Writes each message as `<mailover id>.eml` (RFC 5322, Bcc kept so it can be inspected) into a
 * directory. The embedded default when no provider is configured: nothing leaves the machine.
 */
export class SandboxProvider implements EmailProvider {
  readonly type = 'sandbox';
  readonly capabilities = SANDBOX_CAPABILITIES;
  readonly id: string;
  private readonly directory: string;

  constructor(config: SandboxOptions) {
    this.id = config.id;
    this.directory = config.directory ?? 'outbox';
  }

  async send(email: OutboundEmail, _ctx: SendContext = {}): Promise<SendReceipt> {
    const messageId = `<${randomUUID()}@mailover.sandbox>`;
    try {
      const composer = new MailComposer({ ...toMailOptions(email), messageId });
      const node = composer.compile();
      node.keepBcc = true;
      const bytes = await node.build();
      // Private whatever the umask: the files hold whole messages.
      await mkdir(this.directory, { recursive: true, mode: 0o700 });
      // Written under a temporary name and renamed, so a reader never sees half a file;
      // the same id overwrites, which makes a retried send idempotent.
      const file = join(this.directory, `${email.id}.eml`);
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, bytes, { mode: 0o600 });
      await rename(tmp, file);
    } catch (e) {
      throw new ProviderError(
        this.id,
        'retryable',
        `cannot write the outbox: ${(e as Error).message}`,
        {
          code: (e as NodeJS.ErrnoException).code,
        },
      );
    }
    return { messageId };
  }
}
