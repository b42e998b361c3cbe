import { simpleParser, type AddressObject } from 'mailparser';
import { plainToInstance } from 'class-transformer';
import { ProviderConfig } from '../../../src/config/config.schema';
import type { OutboundEmail } from '../../../src/domain/email';
import { SandboxProvider } from '../../../src/providers/sandbox/sandbox.provider';
import { SandboxDirFake } from '../../fakes/sandbox-dir.fake';
import type { ProviderContractCase } from '../provider-contract';

const addresses = (a?: AddressObject | AddressObject[]) =>
  (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => ({ email: v.address, name: v.name || undefined })));

export const sandboxCase: ProviderContractCase = {
  type: 'sandbox',
  async setup() {
    const fake = new SandboxDirFake();
    const config = plainToInstance(ProviderConfig, { id: 'sandbox-test', type: 'sandbox', directory: fake.directory });
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
      skipFaults: ['slow', 'hang', 'server-error', 'rate-limit', 'auth', 'garbage', 'reset', 'reject-recipient'],
      async assertWire(email: OutboundEmail) {
        const parsed = await simpleParser(fake.read(`${email.id}.eml`), { keepCidLinks: true });
        expect(addresses(parsed.from)).toEqual([email.from]);
        expect(addresses(parsed.to)).toEqual(email.to);
        expect(addresses(parsed.cc)).toEqual(email.cc);
        expect(addresses(parsed.bcc)).toEqual(email.bcc);
        expect(addresses(parsed.replyTo)).toEqual(email.replyTo ? [email.replyTo] : []);
        expect(parsed.subject).toBe(email.subject);
        if (email.html) expect(parsed.html).toBe(email.html);
        expect(parsed.text?.trim()).toBe(email.text);
        for (const [name, value] of Object.entries(email.headers)) expect(parsed.headers.get(name.toLowerCase())).toBe(value);
        expect(parsed.headers.get('x-mailover-id')).toBe(email.id);
        expect(JSON.parse(String(parsed.headers.get('x-mailover-metadata')))).toEqual({ ...email.metadata, mailover_id: email.id });
        if (email.tags.length) expect(parsed.headers.get('x-mailover-tags')).toBe(email.tags.join(', '));
        const byName = (x: { filename?: string }, y: { filename?: string }) => String(x.filename).localeCompare(String(y.filename));
        expect(parsed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, cid: a.cid, bytes: a.content.toString('base64') })).sort(byName)).toEqual(
          email.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, cid: a.contentId, bytes: a.content.toString('base64') })).sort(byName),
        );
      },
    };
  },
};
