import { randomBytes } from 'node:crypto';
import {
  FakeHttpServer,
  type FakeResponse,
  type RecordedRequest,
  type AnsweredFault,
} from './fake-http-server';

interface SendgridError {
  message: string;
  field: string | null;
  help: string | null;
}

const HELP = 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html';

/** `{"errors":[{message, field, help}]}`, SendGrid's error body (docs/providers/sendgrid.md §4). */
const errors = (
  status: number,
  list: SendgridError[],
  headers?: Record<string, string>,
): FakeResponse => ({
  status,
  headers,
  body: { errors: list },
});
const one = (
  status: number,
  message: string,
  field: string | null = null,
  help: string | null = null,
) => errors(status, [{ message, field, help }]);

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * SendGrid's v3 Mail Send as a local server (docs/providers/sendgrid.md §7): `POST /v3/mail/send` with
 * `Authorization: Bearer <key>`, 401/400 `{"errors":[...]}`, and `202 Accepted` with an empty
 * body and the id in `X-Message-Id` (200 in sandbox mode).
 */
export class SendgridFake extends FakeHttpServer {
  /** The `X-Message-Id` of the last accepted send. */
  lastMessageId = '';

  constructor(private readonly apiKey: string) {
    super();
  }

  protected handle(req: RecordedRequest): FakeResponse {
    if (req.path !== '/v3/mail/send') return one(404, 'not found');
    if (req.method !== 'POST') return one(405, 'method not allowed');
    const auth = req.headers.authorization;
    if (!auth) return one(401, 'authorization required');
    if (auth !== `Bearer ${this.apiKey}`) return this.unauthorized();
    if (req.json === undefined || typeof req.json !== 'object' || req.json === null) {
      return one(400, 'Bad Request', null, null);
    }
    const problems = validate(req.json as Record<string, unknown>);
    if (problems.length) return errors(400, problems);
    this.lastMessageId = randomBytes(16).toString('base64url').slice(0, 22);
    const sandbox = (req.json as { mail_settings?: { sandbox_mode?: { enable?: unknown } } })
      .mail_settings?.sandbox_mode?.enable;
    return {
      status: sandbox === true ? 200 : 202,
      headers: { 'x-message-id': this.lastMessageId },
    };
  }

  protected faultResponse(kind: AnsweredFault): FakeResponse {
    switch (kind) {
      case 'server-error':
        return one(500, 'internal server error');
      case 'rate-limit':
        // [RL] in docs/providers/sendgrid.md §4: X-RateLimit-* on every v3 answer; Reset is epoch seconds, Remaining 0 on a 429.
        return errors(429, [{ field: null, message: 'too many requests', help: null }], {
          'x-ratelimit-limit': '600',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 2),
        });
      case 'auth':
        return this.unauthorized();
      case 'reject-recipient':
        return one(
          400,
          'Does not contain a valid address.',
          'personalizations.0.to.0.email',
          `${HELP}#message.personalizations.to`,
        );
      case 'garbage':
        // A 2xx without its X-Message-Id, and a proxy's HTML where SendGrid sends nothing.
        return { status: 202, headers: { 'content-type': 'text/html' }, body: '<html><body>OK' };
    }
  }

  private unauthorized(): FakeResponse {
    return one(401, 'The provided authorization grant is invalid, expired, or revoked');
  }
}

/**
 * The 400 errors of docs/providers/sendgrid.md §2/§7 and [ERR], all at once as SendGrid lists them. Texts the
 * reference does not quote (attachment, category and disposition checks) are paraphrases.
 */
function validate(mail: Record<string, unknown>): SendgridError[] {
  const out: SendgridError[] = [];
  const add = (message: string, field: string | null, anchor: string) =>
    out.push({ message, field, help: `${HELP}#${anchor}` });
  const hasTemplate = typeof mail.template_id === 'string';

  const personalizations = mail.personalizations;
  if (!Array.isArray(personalizations) || personalizations.length === 0) {
    add(
      'The personalizations field is required and must have at least one personalization.',
      'personalizations',
      'message.personalizations',
    );
  } else {
    const seen = new Map<string, string>();
    personalizations.forEach((p: Record<string, unknown>, i) => {
      if (!Array.isArray(p?.to) || p.to.length === 0) {
        add(
          'The to array is required for all personalization objects, and must have at least one email object with a valid email address.',
          `personalizations.${i}.to`,
          'message.personalizations.to',
        );
      }
      for (const kind of ['to', 'cc', 'bcc']) {
        const list = p?.[kind];
        if (list === undefined) continue;
        if (!Array.isArray(list)) {
          add(
            `The ${kind} field must be an array.`,
            `personalizations.${i}.${kind}`,
            `message.personalizations.${kind}`,
          );
          continue;
        }
        list.forEach((a: { email?: unknown }, j) => {
          const email = typeof a?.email === 'string' ? a.email : '';
          if (!EMAIL.test(email)) {
            add(
              'Does not contain a valid address.',
              `personalizations.${i}.${kind}.${j}.email`,
              `message.personalizations.${kind}`,
            );
            return;
          }
          const key = email.toLowerCase();
          if (seen.has(key)) {
            add(
              `Each email address in the personalization block should be unique between to, cc, and bcc. We found the first duplicate instance of [${email}] in the personalizations.${i}.${kind} field.`,
              `personalizations.${i}`,
              'message.recipient.duplicates',
            );
          }
          seen.set(key, kind);
        });
      }
    });
  }

  const from = mail.from as { email?: unknown } | undefined;
  if (typeof from?.email !== 'string' || !from.email) {
    add(
      'The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.',
      'from',
      'message.from',
    );
  } else if (!EMAIL.test(from.email)) {
    add('The from email does not contain a valid address.', 'from.email', 'message.from');
  }

  if (!hasTemplate && (typeof mail.subject !== 'string' || !mail.subject)) {
    add(
      'The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.',
      'subject',
      'message.subject',
    );
  }

  const content = mail.content;
  if (!hasTemplate && (!Array.isArray(content) || content.length === 0)) {
    add(
      'Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block. We typically suggest both text/plain and text/html blocks are included, but only one block is required.',
      'content',
      'message.content',
    );
  } else if (Array.isArray(content)) {
    const types = content.map((c: { type?: unknown }) => c?.type);
    if (types.includes('text/plain') && types.indexOf('text/plain') !== 0) {
      add(
        'The text/plain content type must be first, followed by text/html.',
        'content',
        'message.content',
      );
    }
  }

  if (mail.attachments !== undefined) {
    const list = Array.isArray(mail.attachments) ? mail.attachments : [];
    list.forEach((a: { content?: unknown; filename?: unknown; disposition?: unknown }, i) => {
      if (typeof a?.content !== 'string' || !a.content || !BASE64.test(a.content)) {
        add(
          'The attachment content must be base64 encoded.',
          `attachments.${i}.content`,
          'message.attachments.content',
        );
      }
      if (typeof a?.filename !== 'string' || !a.filename) {
        add(
          'The attachment filename parameter is required.',
          `attachments.${i}.filename`,
          'message.attachments.filename',
        );
      }
      if (
        a?.disposition !== undefined &&
        a.disposition !== 'inline' &&
        a.disposition !== 'attachment'
      ) {
        add(
          'The disposition must be either inline or attachment.',
          `attachments.${i}.disposition`,
          'message.attachments.disposition',
        );
      }
    });
  }

  if (mail.categories !== undefined) {
    const list = Array.isArray(mail.categories) ? mail.categories : [];
    if (list.length > 10)
      add(
        'Too many categories. You may only have 10 categories per email.',
        'categories',
        'message.categories',
      );
    if (new Set(list).size !== list.length)
      add('The categories must be unique.', 'categories', 'message.categories');
  }

  const sandbox = (mail.mail_settings as { sandbox_mode?: { enable?: unknown } } | undefined)
    ?.sandbox_mode;
  if (sandbox && typeof sandbox.enable !== 'boolean') {
    add(
      'The sandbox mode enable param should be a boolean value.',
      'mail_settings.sandbox_mode.enable',
      'message.mail_settings',
    );
  }
  return out;
}
