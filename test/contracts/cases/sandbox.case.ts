import { simpleParser } from 'mailparser';
import { plainToInstance } from 'class-transformer';
import { SandboxOptions } from '../../../src/providers/sandbox/sandbox.options';
import type { OutboundEmail } from '../../../src/domain/email';
import { SandboxProvider } from '../../../src/providers/sandbox/sandbox.provider';
import { SandboxDirFake } from '../../fakes/sandbox-dir.fake';
import { expectMime } from '../../support/expect-mime';
import type { ProviderContractCase } from '../provider-contract';

export const sandboxCase: ProviderContractCase = {
  type: 'sandbox',
  async setup() {
    const fake = new SandboxDirFake();
    const config = plainToInstance(SandboxOptions, {
      id: 'sandbox-test',
      type: 'sandbox',
      directory: fake.directory,
    });
    const provider = new SandboxProvider(config);
    let lastId = '';
    const send = provider.send.bind(provider);
    // Remembers what the adapter returned, to compare with the Message-ID written in the file.
    provider.send = async (email, ctx) => {
      const receipt = await send(email, ctx);
      const parsed = await simpleParser(fake.read(`${email.id}.eml`), { keepCidLinks: true });
      lastId = parsed.messageId ?? '';
      return receipt;
    };
    return {
      fake,
      provider,
      secrets: [],
      lastMessageId: () => lastId,
      // Only a directory can fail here: the sandbox has no network, credentials or answers.
      skipFaults: [
        'slow',
        'hang',
        'server-error',
        'rate-limit',
        'auth',
        'garbage',
        'reset',
        'reject-recipient',
      ],
      async assertWire(email: OutboundEmail) {
        await expectMime(fake.read(`${email.id}.eml`), email, {
          bccHeader: true,
          mailoverHeaders: true,
        });
      },
    };
  },
};
