import {
  FakeHttpServer,
  type FakeResponse,
  type RecordedRequest,
  type AnsweredFault,
} from './fake-http-server';

interface SparkpostErrorItem {
  message: string;
  description?: string;
  code?: string;
}

/** `{"errors":[{message, description, code}]}`, code as a string (docs/providers/sparkpost.md §4). */
const errors = (status: number, ...items: SparkpostErrorItem[]): FakeResponse => ({
  status,
  body: { errors: items },
});

const missing = (description: string) =>
  errors(422, { message: 'required field is missing', description, code: '1400' });

interface TransmissionBody {
  recipients?: unknown;
  content?: {
    from?: unknown;
    subject?: unknown;
    text?: unknown;
    html?: unknown;
    template_id?: unknown;
    email_rfc822?: unknown;
  };
}

interface RecipientBody {
  address?: string | { email?: unknown };
}

let transmissionCounter = 0;

/**
 * SparkPost's `POST /api/v1/transmissions` (docs/providers/sparkpost.md §7): the raw key or `Basic
 * base64(key:)` as Authorization, 401 otherwise; 422/1400 for missing fields; 200 with
 * `results.id` (a fresh numeric transmission id) and the recipient counts.
 */
export class SparkpostFake extends FakeHttpServer {
  lastMessageId = '';

  constructor(private readonly apiKey: string) {
    super();
  }

  protected handle(req: RecordedRequest): FakeResponse {
    // Trailing slashes are ignored (https://developers.sparkpost.com/api/#header-api-conventions).
    if (req.method !== 'POST' || req.path.replace(/\/+$/, '') !== '/api/v1/transmissions') {
      return errors(404, { message: 'invalid URI', code: '1101' });
    }
    if (!this.authorized(req.headers.authorization)) {
      return errors(401, { message: 'Unauthorized.' }); // wording unverified (docs/providers/sparkpost.md §7)
    }
    if (!String(req.headers['content-type'] ?? '').includes('application/json')) {
      return errors(415, { message: 'Unsupported Content-Type header', code: '1700' });
    }
    const body = req.json as TransmissionBody | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return errors(422, {
        message: 'invalid data format/type',
        description: 'Problems parsing request as json',
        code: '1300',
      });
    }
    if (!Array.isArray(body.recipients) || body.recipients.length === 0) {
      return missing('recipients or list_id required');
    }
    const content = body.content;
    if (!content || typeof content !== 'object')
      return missing('content object or template_id required');
    if (content.template_id === undefined && content.email_rfc822 === undefined) {
      if (!content.from) return missing('content.from is a required field');
      if (typeof content.subject !== 'string')
        return missing('content.subject is a required field');
      if (typeof content.text !== 'string' && typeof content.html !== 'string') {
        return missing('At least one of text or html needs to exist in content');
      }
    }
    const recipients = body.recipients as RecipientBody[];
    const valid = recipients.filter((r) =>
      typeof r?.address === 'string'
        ? r.address.includes('@')
        : typeof r?.address?.email === 'string',
    ).length;
    if (valid === 0) return missing('address.email is required for each recipient');

    transmissionCounter += 1;
    this.lastMessageId = `${Date.now()}${String(transmissionCounter).padStart(4, '0')}`;
    const results = {
      total_rejected_recipients: recipients.length - valid,
      total_accepted_recipients: valid,
      id: this.lastMessageId,
    };
    if (valid < recipients.length) {
      // Partial success is still a 200 (docs/providers/sparkpost.md §3).
      return {
        status: 200,
        body: {
          errors: [{ message: 'transmission created, but with validation errors', code: '2000' }],
          results: {
            rcpt_to_errors: [
              {
                message: 'required field is missing',
                description: 'address.email is required for each recipient',
                code: '1400',
              },
            ],
            ...results,
          },
        },
      };
    }
    return { status: 200, body: { results } };
  }

  protected faultResponse(kind: AnsweredFault, req: RecordedRequest): FakeResponse {
    switch (kind) {
      case 'server-error':
        return errors(500, { message: 'Failed to update database', code: '1500' });
      case 'rate-limit':
        // 429 "wait 1 to 5 seconds" (https://developers.sparkpost.com/api/#header-rate-limiting);
        // no rate-limit header is documented, so the generic Retry-After stands in.
        return {
          ...errors(429, { message: 'Too many requests' }),
          headers: { 'retry-after': '1' },
        };
      case 'auth':
        return errors(401, { message: 'Unauthorized.' });
      case 'reject-recipient': {
        // A suppressed recipient of a one-recipient transmission: 400, code 1902.
        const first = (
          (req.json as TransmissionBody | undefined)?.recipients as RecipientBody[] | undefined
        )?.[0];
        const email =
          typeof first?.address === 'string' ? first.address : String(first?.address?.email ?? '');
        return errors(400, {
          message: 'Message generation rejected',
          description: `recipient address was suppressed due to customer policy: ${email}`,
          code: '1902',
        });
      }
      case 'garbage':
        return {
          status: 200,
          headers: { 'content-type': 'text/html; charset=utf-8' },
          body: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>',
        };
    }
  }

  /** The raw key, or Basic with the key as user name and an empty password (docs/providers/sparkpost.md §1). */
  private authorized(header: string | undefined): boolean {
    if (!header) return false;
    if (header === this.apiKey) return true;
    const basic = /^Basic\s+(\S+)$/i.exec(header);
    return !!basic && Buffer.from(basic[1], 'base64').toString('utf8') === `${this.apiKey}:`;
  }
}
