import { formatAddress, type OutboundEmail } from '../../../src/domain/email';
import type { SparkpostTransmission } from '../../../src/providers/sparkpost/sparkpost.mapper';
import { SparkpostOptions } from '../../../src/providers/sparkpost/sparkpost.options';
import { SparkpostProvider } from '../../../src/providers/sparkpost/sparkpost.provider';
import { SparkpostFake } from '../../fakes/sparkpost.fake';
import { startHttpAdapters } from '../http-case';
import type { ProviderContractCase } from '../provider-contract';

const API_KEY = 'sp-api-key-14ac5499cfdd2bb2859e';
const WRONG_KEY = 'sp-wrong-key-0d3e77a1b2c4f5e6';

const bytes = (a: { name: string; type: string; data: string }) => ({
  name: a.name,
  type: a.type,
  hex: Buffer.from(a.data, 'base64').toString('hex'),
});

export const sparkpostCase: ProviderContractCase = {
  type: 'sparkpost',
  async setup() {
    const fake = new SparkpostFake(API_KEY);
    const adapters = await startHttpAdapters(
      fake,
      SparkpostProvider,
      SparkpostOptions,
      (baseUrl) => ({ type: 'sparkpost', baseUrl, apiKey: API_KEY }),
      { apiKey: WRONG_KEY },
    );
    return {
      fake,
      ...adapters,
      secrets: [API_KEY, WRONG_KEY],
      lastMessageId: () => fake.lastMessageId,
      assertWire(email: OutboundEmail) {
        const req = fake.lastRequest;
        expect(req.method).toBe('POST');
        expect(req.path).toBe('/api/v1/transmissions');
        expect(req.headers.authorization).toBe(API_KEY);
        expect(req.headers['content-type']).toContain('application/json');
        const body = req.json as SparkpostTransmission;
        const { content } = body;

        expect(content.from).toEqual(email.from);
        expect(content.subject).toBe(email.subject);
        expect(content.reply_to).toBe(email.replyTo ? formatAddress(email.replyTo) : undefined);
        expect(content.text).toBe(email.text);
        expect(content.html).toBe(email.html);
        expect(body.options.perform_substitutions).toBe(false);

        // One recipient per address; Cc/Bcc copies show the To list and lose their names.
        const toHeader = email.to.map(formatAddress).join(', ');
        const tags = email.tags.length ? email.tags : undefined;
        expect(body.recipients).toEqual([
          ...email.to.map((a) => ({
            address: {
              email: a.email,
              name: a.name,
              header_to: email.to.length > 1 ? toHeader : undefined,
            },
            tags,
          })),
          ...[...email.cc, ...email.bcc].map((a) => ({
            address: { email: a.email, header_to: toHeader || undefined },
            tags,
          })),
        ]);
        expect(content.headers ?? {}).toEqual({
          ...email.headers,
          ...(email.cc.length ? { CC: email.cc.map(formatAddress).join(', ') } : {}),
        });

        expect(body.metadata).toEqual({ ...email.metadata, mailover_id: email.id });

        const files = email.attachments.filter((a) => !a.contentId);
        const inline = email.attachments.filter((a) => a.contentId);
        expect((content.attachments ?? []).map(bytes)).toEqual(
          files.map((a) => ({
            name: a.filename,
            type: a.contentType,
            hex: a.content.toString('hex'),
          })),
        );
        expect((content.inline_images ?? []).map(bytes)).toEqual(
          inline.map((a) => ({
            name: a.contentId,
            type: a.contentType,
            hex: a.content.toString('hex'),
          })),
        );
      },
    };
  },
};
