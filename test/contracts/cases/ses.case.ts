import { formatAddress, type OutboundEmail } from '../../../src/domain/email';
import type { SesSendEmailRequest, SesSimpleContent } from '../../../src/providers/ses/ses.mapper';
import { SesOptions } from '../../../src/providers/ses/ses.options';
import { SesProvider } from '../../../src/providers/ses/ses.provider';
import { SesFake } from '../../fakes/ses.fake';
import { expectMime } from '../../support/expect-mime';
import { startHttpAdapters } from '../http-case';
import type { ProviderContractCase } from '../provider-contract';

const REGION = 'eu-west-1';
const ACCESS_KEY_ID = 'AKIAMAILOVERTEST7Q2Z';
const SECRET_ACCESS_KEY = 'ses-secret-wJalrXUtnFEMI/K7MDENG/bPxRfiCY';
const WRONG_SECRET = 'ses-wrong-secret-9f8e7d6c5b4a39281706';

/** EmailTags take only [A-Za-z0-9_-] (docs/providers/ses.md §2). */
const tagText = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256) || '_';
const list = (xs: OutboundEmail['to']) => (xs.length ? xs.map(formatAddress) : undefined);

export const sesCase: ProviderContractCase = {
  type: 'ses',
  async setup() {
    const fake = new SesFake(
      { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
      REGION,
    );
    const adapters = await startHttpAdapters(
      fake,
      SesProvider,
      SesOptions,
      (endpoint) => ({
        type: 'ses',
        endpoint,
        region: REGION,
        accessKeyId: ACCESS_KEY_ID,
        secretAccessKey: SECRET_ACCESS_KEY,
      }),
      // The right key id with the wrong secret: only a real signature check can refuse it.
      { secretAccessKey: WRONG_SECRET },
    );
    return {
      fake,
      ...adapters,
      secrets: [ACCESS_KEY_ID, SECRET_ACCESS_KEY, WRONG_SECRET],
      lastMessageId: () => fake.lastMessageId,
      async assertWire(email: OutboundEmail) {
        const req = fake.lastRequest;
        expect(req.method).toBe('POST');
        expect(req.path).toBe('/v2/email/outbound-emails');
        expect(req.headers.authorization).toMatch(
          new RegExp(
            `^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY_ID}/\\d{8}/${REGION}/ses/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$`,
          ),
        );
        expect(req.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
        expect(JSON.stringify(req.headers)).not.toContain(SECRET_ACCESS_KEY);

        const body = req.json as SesSendEmailRequest;
        expect(body.FromEmailAddress).toBe(formatAddress(email.from));
        expect(body.Destination).toEqual({
          ToAddresses: email.to.map(formatAddress),
          CcAddresses: list(email.cc),
          BccAddresses: list(email.bcc),
        });
        const tags = Object.fromEntries(body.EmailTags.map((t) => [t.Name, t.Value]));
        expect(tags).toEqual({
          ...Object.fromEntries(
            Object.entries(email.metadata).map(([k, v]) => [tagText(k), tagText(v)]),
          ),
          ...Object.fromEntries(email.tags.map((t) => [tagText(`tag_${t}`), 'true'])),
          mailover_id: tagText(email.id),
        });

        if ('Simple' in body.Content) {
          expect(email.attachments).toEqual([]);
          expect(email.headers).toEqual({});
          const simple: SesSimpleContent = body.Content.Simple;
          expect(body.ReplyToAddresses).toEqual(
            email.replyTo ? [formatAddress(email.replyTo)] : undefined,
          );
          expect(simple.Subject).toEqual({ Data: email.subject, Charset: 'UTF-8' });
          expect(simple.Body.Text?.Data).toBe(email.text);
          expect(simple.Body.Html?.Data).toBe(email.html);
          return;
        }

        // Raw: the whole message is MIME; Bcc only in the Destination, never in a header.
        await expectMime(Buffer.from(body.Content.Raw.Data, 'base64'), email, {
          bccHeader: false,
          mailoverHeaders: false,
        });
      },
    };
  },
};
