import { formatAddress, type OutboundEmail } from '../../../src/domain/email';
import type { PostmarkMessage } from '../../../src/providers/postmark/postmark.mapper';
import { PostmarkOptions } from '../../../src/providers/postmark/postmark.options';
import { PostmarkProvider } from '../../../src/providers/postmark/postmark.provider';
import { PostmarkFake } from '../../fakes/postmark.fake';
import { startHttpAdapters } from '../http-case';
import type { ProviderContractCase } from '../provider-contract';

const TOKEN = 'pm-server-token-6c1f0e2a-0b7d';
const WRONG_TOKEN = 'pm-wrong-token-93d4aa51-77e0';
const STREAM = 'outbound';

const list = (addresses: OutboundEmail['to']) =>
  addresses.length ? addresses.map(formatAddress).join(', ') : undefined;

export const postmarkCase: ProviderContractCase = {
  type: 'postmark',
  async setup() {
    const fake = new PostmarkFake(TOKEN);
    const adapters = await startHttpAdapters(
      fake,
      PostmarkProvider,
      PostmarkOptions,
      (baseUrl) => ({ type: 'postmark', baseUrl, serverToken: TOKEN, messageStream: STREAM }),
      { serverToken: WRONG_TOKEN },
    );
    return {
      fake,
      ...adapters,
      secrets: [TOKEN, WRONG_TOKEN],
      lastMessageId: () => fake.lastMessageId,
      assertWire(email: OutboundEmail) {
        const req = fake.lastRequest;
        expect(req.method).toBe('POST');
        expect(req.path).toBe('/email');
        expect(req.headers['x-postmark-server-token']).toBe(TOKEN);
        expect(req.headers['content-type']).toContain('application/json');
        const body = req.json as PostmarkMessage;
        expect(body.From).toBe(formatAddress(email.from));
        expect(body.To).toBe(list(email.to));
        expect(body.Cc).toBe(list(email.cc));
        expect(body.Bcc).toBe(list(email.bcc));
        expect(body.ReplyTo).toBe(email.replyTo ? formatAddress(email.replyTo) : undefined);
        expect(body.Subject).toBe(email.subject);
        expect(body.TextBody).toBe(email.text);
        expect(body.HtmlBody).toBe(email.html);
        expect(body.MessageStream).toBe(STREAM);
        expect(body.Headers ?? []).toEqual(
          Object.entries(email.headers).map(([Name, Value]) => ({ Name, Value })),
        );
        expect(body.Tag).toBe(email.tags[0]);
        expect(body.Metadata).toEqual({
          ...email.metadata,
          ...(email.tags.length > 1 ? { mailover_tags: email.tags.join(',') } : {}),
          mailover_id: email.id,
        });
        expect(
          (body.Attachments ?? []).map((a) => ({
            name: a.Name,
            type: a.ContentType,
            cid: a.ContentID,
            bytes: Buffer.from(a.Content, 'base64').toString('hex'),
          })),
        ).toEqual(
          email.attachments.map((a) => ({
            name: a.filename,
            type: a.contentType,
            cid: a.contentId ? `cid:${a.contentId}` : undefined,
            bytes: a.content.toString('hex'),
          })),
        );
      },
    };
  },
};
