import { formatAddress, type OutboundEmail } from '../../../src/domain/email';
import type { MandrillMessage } from '../../../src/providers/mandrill/mandrill.mapper';
import { MandrillOptions } from '../../../src/providers/mandrill/mandrill.options';
import { MandrillProvider } from '../../../src/providers/mandrill/mandrill.provider';
import { MANDRILL_API_PREFIX, MandrillFake } from '../../fakes/mandrill.fake';
import { startHttpAdapters } from '../http-case';
import type { ProviderContractCase } from '../provider-contract';

const KEY = 'md-Xq3v9LkT2pW8rZc1YhN4sA';
const WRONG_KEY = 'md-Wr0ngK3yR7uB5eJ2mQ9dFx';

const files = (list: MandrillMessage['attachments']) =>
  (list ?? []).map((f) => ({
    type: f.type,
    name: f.name,
    bytes: Buffer.from(f.content, 'base64').toString('hex'),
  }));

export const mandrillCase: ProviderContractCase = {
  type: 'mandrill',
  async setup() {
    const fake = new MandrillFake(KEY);
    const adapters = await startHttpAdapters(
      fake,
      MandrillProvider,
      MandrillOptions,
      (baseUrl) => ({ type: 'mandrill', baseUrl, apiKey: KEY }),
      { apiKey: WRONG_KEY },
      MANDRILL_API_PREFIX,
    );
    return {
      fake,
      ...adapters,
      secrets: [KEY, WRONG_KEY],
      lastMessageId: () => fake.lastId,
      assertWire(email: OutboundEmail) {
        const req = fake.lastRequest;
        expect(req.method).toBe('POST');
        expect(req.path).toBe(`${MANDRILL_API_PREFIX}/messages/send`);
        expect(req.headers['content-type']).toContain('application/json');
        expect(req.headers.authorization).toBeUndefined(); // the key travels in the body only
        const body = req.json as { key: string; async: boolean; message: MandrillMessage };
        expect(body.key).toBe(KEY);
        expect(body.async).toBe(false);
        const m = body.message;
        expect(m.from_email).toBe(email.from.email);
        expect(m.from_name).toBe(email.from.name);
        const rcpt = (type: 'to' | 'cc' | 'bcc') => (a: OutboundEmail['to'][number]) => ({
          email: a.email,
          ...(a.name ? { name: a.name } : {}),
          type,
        });
        expect(m.to).toEqual([
          ...email.to.map(rcpt('to')),
          ...email.cc.map(rcpt('cc')),
          ...email.bcc.map(rcpt('bcc')),
        ]);
        expect(m.preserve_recipients).toBe(true);
        expect(m.headers ?? {}).toEqual({
          ...email.headers,
          ...(email.replyTo ? { 'Reply-To': formatAddress(email.replyTo) } : {}),
        });
        expect(m.subject).toBe(email.subject);
        expect(m.html).toBe(email.html);
        expect(m.text).toBe(email.text);
        expect(m.tags).toEqual(email.tags);
        expect(m.metadata).toEqual({ ...email.metadata, mailover_id: email.id });
        const inline = email.attachments.filter((a) => a.contentId);
        const regular = email.attachments.filter((a) => !a.contentId);
        expect(files(m.attachments)).toEqual(
          regular.map((a) => ({
            type: a.contentType,
            name: a.filename,
            bytes: a.content.toString('hex'),
          })),
        );
        // Inline images: `name` is the Content-ID the html references as `cid:<name>`.
        expect(files(m.images)).toEqual(
          inline.map((a) => ({
            type: a.contentType,
            name: a.contentId,
            bytes: a.content.toString('hex'),
          })),
        );
      },
      // Every fault has a Mandrill equivalent, and the default kinds hold: a 200 whose
      // recipients are all `rejected` is permanent, a 2xx with an unreadable body ambiguous.
    };
  },
};
