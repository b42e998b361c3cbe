import { randomBytes } from 'node:crypto';
import {
  FakeHttpServer,
  type FakeResponse,
  type RecordedRequest,
  type AnsweredFault,
} from './fake-http-server';

/** The API prefix of `https://mandrillapp.com/api/1.0`. */
export const MANDRILL_API_PREFIX = '/api/1.0';

/** `{status, code, name, message}`: the body of every Mandrill error (docs/providers/mandrill.md §4). */
const apiError = (status: number, code: number, name: string, message: string): FakeResponse => ({
  status,
  body: { status: 'error', code, name, message },
});

const validationError = (fields: unknown): FakeResponse =>
  apiError(400, -2, 'ValidationError', `Validation error: ${JSON.stringify({ message: fields })}`);

interface MandrillRecipientIn {
  email?: unknown;
  name?: unknown;
  type?: unknown;
}

interface MandrillBodyIn {
  key?: unknown;
  async?: unknown;
  message?: { from_email?: unknown; to?: unknown };
}

export interface MandrillResultOut {
  email: string;
  status: 'sent' | 'queued' | 'rejected' | 'invalid';
  _id: string;
  reject_reason: string | null;
}

const oneAt = (v: unknown): v is string => typeof v === 'string' && v.split('@').length === 2;

/** Mandrill's `_id`: 32 lower-case hex characters. */
const mandrillId = () => randomBytes(16).toString('hex');

/**
 * Mandrill's `POST /api/1.0/messages/send` (docs/providers/mandrill.md §7): the key is read from the JSON body;
 * a missing or wrong key answers 401 `Invalid_Key` (500 in `legacyStatus` mode, as before 2023);
 * invalid fields answer 400 `ValidationError`; success is a 200 array with one
 * `{email, status, _id, reject_reason}` per recipient, each with a fresh `_id`. Addresses in
 * `rejectAddresses` come back `rejected` (`hard-bounce`) inside the 200, as suppressed
 * recipients do. The validation texts follow Mandrill's style; their exact wording is unverified.
 */
export class MandrillFake extends FakeHttpServer {
  /** The first accepted `_id` of the last success answer (what the adapter should return). */
  lastId = '';
  /** The whole array of the last success answer. */
  lastResults: MandrillResultOut[] = [];
  /** Recipients refused per recipient, like suppressed addresses. */
  readonly rejectAddresses = new Set<string>();
  /** Answer every error with 500, as Mandrill did for all errors before 2023. */
  legacyStatus = false;

  constructor(private readonly apiKey: string) {
    super();
  }

  protected handle(req: RecordedRequest): FakeResponse {
    const path = req.path.startsWith(MANDRILL_API_PREFIX)
      ? req.path.slice(MANDRILL_API_PREFIX.length)
      : undefined;
    const route = path?.replace(/\.json$/, '');
    if (req.method !== 'POST' || (route !== '/messages/send' && route !== '/users/ping')) {
      return { status: 404, body: 'Not Found' }; // the real body for an unknown path is unverified
    }
    const body = (req.json ?? {}) as MandrillBodyIn;
    if (typeof body.key !== 'string' || !body.key) {
      return this.error(401, -1, 'Invalid_Key', 'You must specify a key value');
    }
    if (body.key !== this.apiKey) return this.error(401, -1, 'Invalid_Key', 'Invalid API key');
    if (route === '/users/ping') {
      return { status: 200, headers: { 'content-type': 'application/json' }, body: '"PONG!"' };
    }

    const message = body.message;
    if (!message || typeof message !== 'object' || Array.isArray(message)) {
      return this.validation("Sorry, this field can't be left blank.");
    }
    if (!oneAt(message.from_email)) {
      return this.validation({ from_email: 'An email address must contain a single @' });
    }
    if (!Array.isArray(message.to) || message.to.length === 0) {
      return this.validation({ to: "Sorry, this field can't be left blank." });
    }
    const to = message.to as MandrillRecipientIn[];
    const badIndex = to.findIndex((r) => !r || !oneAt(r.email));
    if (badIndex >= 0) {
      return this.validation({
        to: { [badIndex]: { email: 'An email address must contain a single @' } },
      });
    }
    const badType = to.findIndex(
      (r) => r.type !== undefined && !['to', 'cc', 'bcc'].includes(String(r.type)),
    );
    if (badType >= 0) {
      return this.validation({ to: { [badType]: { type: 'must be one of to, cc, bcc' } } });
    }

    // More than 10 recipients, or async: true, is always processed asynchronously (docs/providers/mandrill.md §2).
    const queued = body.async === true || to.length > 10;
    this.lastResults = to.map((r) => {
      const email = String(r.email);
      const rejected = this.rejectAddresses.has(email.toLowerCase());
      return {
        email,
        status: rejected ? 'rejected' : queued ? 'queued' : 'sent',
        _id: mandrillId(),
        reject_reason: rejected ? 'hard-bounce' : null,
      };
    });
    this.lastId = this.lastResults.find((r) => r.status !== 'rejected')?._id ?? '';
    return { status: 200, body: this.lastResults };
  }

  protected faultResponse(kind: AnsweredFault, req: RecordedRequest): FakeResponse {
    switch (kind) {
      case 'server-error':
        return apiError(
          500,
          -1,
          'GeneralError',
          'An unexpected error occurred processing your request. Mandrill developers will be notified.',
        );
      case 'rate-limit':
        // Mandrill answers 429 when throttled (docs/providers/mandrill.md §4); the error `name` it uses is not
        // documented, so the adapter must classify by the status. Retry-After is the generic one.
        return {
          status: 429,
          headers: { 'retry-after': '2' },
          body: {
            status: 'error',
            code: -1,
            name: 'Too_Many_Requests',
            message: 'Too many requests',
          },
        };
      case 'auth':
        return apiError(401, -1, 'Invalid_Key', 'Invalid API key');
      case 'reject-recipient': {
        // Suppressed recipients are refused per recipient inside a 200 (docs/providers/mandrill.md §3).
        const to = ((req.json as MandrillBodyIn | undefined)?.message?.to ??
          []) as MandrillRecipientIn[];
        return {
          status: 200,
          body: (to.length ? to : [{ email: 'unknown@example.com' }]).map((r) => ({
            email: String(r.email),
            status: 'rejected',
            _id: mandrillId(),
            reject_reason: 'hard-bounce',
          })),
        };
      }
      case 'garbage':
        return {
          status: 200,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: '[{"email":"ann@example.com","status":"sent","_i',
        };
    }
  }

  private error(status: number, code: number, name: string, message: string): FakeResponse {
    return apiError(this.legacyStatus ? 500 : status, code, name, message);
  }

  private validation(fields: unknown): FakeResponse {
    const answer = validationError(fields);
    return this.legacyStatus ? { ...answer, status: 500 } : answer;
  }
}
