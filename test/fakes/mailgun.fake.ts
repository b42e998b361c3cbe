import { randomBytes } from 'node:crypto';
import {
  FakeHttpServer,
  fakeId,
  type FakeResponse,
  type RecordedRequest,
  type AnsweredFault,
} from './fake-http-server';

export interface MailgunFakeOptions {
  apiKey: string;
  /** The one sending domain this account has; any other answers 404 "Domain not found". */
  domain: string;
}

/** `{"message": "..."}`, Mailgun's error body for every status except 401 (docs/providers/mailgun.md §4). */
const error = (status: number, message: string): FakeResponse => ({ status, body: { message } });

/** Splits `a@x, "Doe, J" <j@x>` on the commas outside quotes. */
function splitAddressList(value: string): string[] {
  return (value.match(/(?:"(?:[^"\\]|\\.)*"|[^,])+/g) ?? []).map((s) => s.trim()).filter(Boolean);
}

/** `Name <a@b>` or a bare `a@b`. */
const ADDRESS = /^(?:[^<>]*<[^<>\s@]+@[^<>\s@]+>|[^<>\s@",]+@[^<>\s@",]+)$/;

/**
 * Mailgun's Messages API as a local server (docs/providers/mailgun.md §7): `POST /v3/{domain}/messages` as
 * multipart/form-data with Basic auth (`api:<key>`), 401 `Forbidden` as bare text, 400/404
 * `{"message"}` errors, and `200 {"id":"<...@domain>","message":"Queued. Thank you."}`.
 */
export class MailgunFake extends FakeHttpServer {
  /** The id of the last message this fake accepted, angle brackets included, as Mailgun sends it. */
  lastMessageId = '';

  constructor(private readonly options: MailgunFakeOptions) {
    super();
  }

  protected handle(req: RecordedRequest): FakeResponse {
    const route = /^\/v3\/([^/]+)\/messages(\.mime)?$/.exec(req.path);
    if (!route) return error(404, 'Not Found');
    if (req.method !== 'POST') return error(405, 'Method Not Allowed');
    if (!this.authorized(req.headers.authorization)) return this.forbidden();
    const domain = decodeURIComponent(route[1]);
    if (domain !== this.options.domain) return error(404, `Domain not found: ${domain}`);
    const type = String(req.headers['content-type'] ?? '');
    if (!type.startsWith('multipart/form-data') || !req.form) {
      return error(
        400,
        `Invalid request content type. Expecting 'multipart/form-data' but got '${type.split(';')[0]}'`,
      );
    }
    const problem = validate(req.form, route[2] === '.mime');
    if (problem) return error(400, problem);
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    this.lastMessageId = `<${stamp}.${fakeId()}.${randomBytes(6).toString('hex').toUpperCase()}@${domain}>`;
    return { status: 200, body: { id: this.lastMessageId, message: 'Queued. Thank you.' } };
  }

  protected faultResponse(kind: AnsweredFault): FakeResponse {
    switch (kind) {
      case 'server-error':
        return error(500, 'Internal Server Error');
      case 'rate-limit': {
        // X-RateLimit-Reset is epoch seconds (mailgun-go errors.go); the text names the same time.
        const reset = Math.floor(Date.now() / 1000) + 2;
        const at = new Date(reset * 1000).toUTCString().replace('GMT', 'UTC');
        return {
          ...error(
            429,
            `Domain ${this.options.domain} is not allowed to send: request limit exceeded, try again after ${at}`,
          ),
          headers: { 'x-ratelimit-reset': String(reset) },
        };
      }
      case 'auth':
        return this.forbidden();
      case 'reject-recipient':
        return error(400, 'to parameter is not a valid address. please check documentation');
      case 'garbage':
        return {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: '{"id": "<2024',
        };
    }
  }

  private authorized(header: string | undefined): boolean {
    const [scheme, encoded] = (header ?? '').split(' ');
    if (scheme !== 'Basic' || !encoded) return false;
    return Buffer.from(encoded, 'base64').toString('utf8') === `api:${this.options.apiKey}`;
  }

  private forbidden(): FakeResponse {
    return {
      status: 401,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: 'Forbidden',
    };
  }
}

/** The 400 texts of docs/providers/mailgun.md §4 / [SEND] for a form that Mailgun would refuse. */
function validate(form: FormData, mime: boolean): string | undefined {
  const text = (name: string) =>
    form.getAll(name).filter((v): v is string => typeof v === 'string');
  const from = text('from');
  if (!from.length || !from[0].trim()) return 'from parameter is missing';
  if (!from.every((v) => splitAddressList(v).every((a) => ADDRESS.test(a)))) {
    return 'from parameter is not a valid address. please check documentation';
  }
  if (!text('to').some((v) => v.trim())) return 'to parameter is missing';
  let recipients = 0;
  for (const field of ['to', 'cc', 'bcc']) {
    for (const value of text(field)) {
      const list = splitAddressList(value);
      recipients += list.length;
      if (!list.every((a) => ADDRESS.test(a))) {
        return `${field} parameter is not a valid address. please check documentation`;
      }
    }
  }
  if (recipients > 1000) return 'Too many recipients, max is 1000';
  if (mime) {
    if (!(form.get('message') instanceof Blob)) return 'message parameter is missing';
  } else {
    if (!text('subject').length) return 'subject parameter is missing';
    if (!text('text').length && !text('html').length && !text('template').length) {
      return "Need at least one of 'text' or 'html' parameters specified";
    }
  }
  let optionBytes = 0;
  for (const [name, value] of form.entries()) {
    if (/^[ohvt]:/.test(name) && typeof value === 'string') {
      optionBytes += Buffer.byteLength(name) + Buffer.byteLength(value);
    }
  }
  if (optionBytes > 16 * 1024) {
    return 'Send options (parameters starting with o:, h:, or v:) are limited to 16 kB total';
  }
  return undefined;
}
