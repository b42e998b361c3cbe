import { createHash, randomUUID } from 'node:crypto';
import {
  FakeHttpServer,
  type FakeResponse,
  type RecordedRequest,
  type AnsweredFault,
} from './fake-http-server';

export interface ResendFakeOptions {
  apiKey: string;
  /** The clock of the idempotency window; tests move it instead of waiting 24 h. */
  now?: () => number;
}

/** `{"statusCode", "message", "name"}`, Resend's error body (docs/providers/resend.md §4). */
const error = (
  statusCode: number,
  name: string,
  message: string,
  headers?: Record<string, string>,
): FakeResponse => ({
  status: statusCode,
  headers,
  body: { statusCode, message, name },
});

const INVALID_ADDRESS = (field: string) =>
  `Invalid \`${field}\` field. The email address needs to follow the \`email@example.com\` or \`Name <email@example.com>\` format.`;
const ADDRESS = /^(?:[^<>]*<[^<>\s@]+@[^<>\s@]+\.[^<>\s@]+>|[^<>\s@"]+@[^<>\s@"]+\.[^<>\s@"]+)$/;
const TAG_TEXT = /^[A-Za-z0-9_-]{1,256}$/;
const WINDOW_MS = 24 * 3600_000;

interface Remembered {
  payloadHash: string;
  /** Undefined while the first request with this key is still being processed. */
  response?: FakeResponse;
  expiresAt: number;
}

/**
 * Resend's `POST /emails` as a local server (docs/providers/resend.md §7): Bearer auth (401 `missing_api_key`,
 * 403 `invalid_api_key`), 422 `missing_required_field` / `validation_error` /
 * `invalid_from_address`, `200 {"id": "<uuid>"}`, and the 24 h `Idempotency-Key` map: the same
 * key and payload replays the first answer, another payload is `409 invalid_idempotent_request`,
 * a key still in flight is `409 concurrent_idempotent_requests`, a key outside 1-256 characters
 * is `400 invalid_idempotency_key`.
 */
export class ResendFake extends FakeHttpServer {
  /** The id of the last email this fake created (a replay creates none). */
  lastMessageId = '';
  /** Emails actually created; a replayed answer creates none. */
  createdCount = 0;
  /** How long an accepted send stays in flight before its answer, to show concurrent requests. */
  processingMs = 0;
  private readonly idempotency = new Map<string, Remembered>();
  private readonly now: () => number;

  constructor(private readonly options: ResendFakeOptions) {
    super();
    this.now = options.now ?? Date.now;
  }

  protected async handle(req: RecordedRequest): Promise<FakeResponse> {
    if (req.path !== '/emails')
      return error(404, 'not_found', 'The requested endpoint does not exist.');
    if (req.method !== 'POST')
      return error(405, 'method_not_allowed', 'Method is not allowed for the requested path.');
    const auth = req.headers.authorization;
    if (!auth || !auth.startsWith('Bearer ') || auth.length === 'Bearer '.length) {
      return error(
        401,
        'missing_api_key',
        'Missing API key in the authorization header. Include the following header `Authorization: Bearer YOUR_API_KEY` in the request.',
      );
    }
    if (auth !== `Bearer ${this.options.apiKey}`) return this.invalidKey();

    const rawKey = req.headers['idempotency-key'];
    if (rawKey === undefined) return this.create(req);
    const key = Array.isArray(rawKey) ? rawKey.join(', ') : rawKey;
    if (key.length < 1 || key.length > 256) {
      return error(400, 'invalid_idempotency_key', 'The key must be between 1-256 chars.');
    }
    this.forgetExpired();
    const payloadHash = createHash('sha256').update(req.body).digest('hex');
    const seen = this.idempotency.get(key);
    if (seen && !seen.response) {
      return error(
        409,
        'concurrent_idempotent_requests',
        'Same idempotency key used while original request is still in progress.',
      );
    }
    if (seen && seen.payloadHash !== payloadHash) {
      return error(
        409,
        'invalid_idempotent_request',
        'Same idempotency key used with a different request payload.',
      );
    }
    if (seen?.response) return seen.response;

    const entry: Remembered = { payloadHash, expiresAt: this.now() + WINDOW_MS };
    this.idempotency.set(key, entry);
    const answer = await this.create(req);
    // Only a created email is remembered: a refused request may be corrected and sent again.
    if (answer.status === 200) entry.response = answer;
    else this.idempotency.delete(key);
    return answer;
  }

  protected faultResponse(kind: AnsweredFault): FakeResponse {
    switch (kind) {
      case 'server-error':
        return error(500, 'internal_server_error', 'An unexpected error occurred.');
      case 'rate-limit':
        // [RL] in docs/providers/resend.md §4: ratelimit-reset and retry-after are seconds from now, not an epoch.
        return error(
          429,
          'rate_limit_exceeded',
          'Too many requests. You can only make 2 requests per second. See rate limit response headers for more information. Or contact support to increase rate limit.',
          {
            'ratelimit-limit': '2',
            'ratelimit-remaining': '0',
            'ratelimit-reset': '1',
            'retry-after': '1',
          },
        );
      case 'auth':
        return this.invalidKey();
      case 'reject-recipient':
        return error(422, 'validation_error', INVALID_ADDRESS('to'));
      case 'garbage':
        return { status: 200, headers: { 'content-type': 'application/json' }, body: '{"id":' };
    }
  }

  private async create(req: RecordedRequest): Promise<FakeResponse> {
    if (this.processingMs > 0) await new Promise((r) => setTimeout(r, this.processingMs));
    if (typeof req.json !== 'object' || req.json === null || Array.isArray(req.json)) {
      return error(422, 'validation_error', 'Invalid JSON body.');
    }
    const problem = validate(req.json as Record<string, unknown>);
    if (problem) return problem;
    this.createdCount += 1;
    this.lastMessageId = randomUUID();
    return { status: 200, body: { id: this.lastMessageId } };
  }

  private forgetExpired(): void {
    const now = this.now();
    for (const [key, entry] of this.idempotency)
      if (entry.expiresAt <= now) this.idempotency.delete(key);
  }

  private invalidKey(): FakeResponse {
    return error(403, 'invalid_api_key', 'API key is invalid');
  }
}

/** The first 422 Resend would answer for this body ([RUST] error names; docs/providers/resend.md §2, §4). */
function validate(email: Record<string, unknown>): FakeResponse | undefined {
  const missing = (field: string) =>
    error(422, 'missing_required_field', `Missing \`${field}\` field.`);
  if (typeof email.from !== 'string' || !email.from) return missing('from');
  if (!ADDRESS.test(email.from)) return error(422, 'invalid_from_address', INVALID_ADDRESS('from'));
  if (email.to === undefined || (Array.isArray(email.to) && email.to.length === 0))
    return missing('to');
  if (typeof email.subject !== 'string') return missing('subject');
  if (typeof email.html !== 'string' && typeof email.text !== 'string')
    return missing('html` or `text');

  for (const field of ['to', 'cc', 'bcc', 'reply_to']) {
    const value = email[field];
    if (value === undefined) continue;
    const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [null];
    if (!list.every((a) => typeof a === 'string' && ADDRESS.test(a))) {
      return error(422, 'validation_error', INVALID_ADDRESS(field));
    }
    if (field === 'to' && list.length > 50) {
      return error(
        422,
        'validation_error',
        'Too many recipients in the `to` field: the maximum is 50.',
      );
    }
  }

  if (email.headers !== undefined) {
    const headers = email.headers as Record<string, unknown>;
    if (
      typeof headers !== 'object' ||
      headers === null ||
      !Object.values(headers).every((v) => typeof v === 'string')
    ) {
      return error(422, 'validation_error', 'The `headers` field must be an object of strings.');
    }
  }

  if (email.attachments !== undefined) {
    const list = Array.isArray(email.attachments) ? email.attachments : [null];
    for (const a of list as Array<{ content?: unknown; path?: unknown } | null>) {
      if (typeof a?.content !== 'string' && typeof a?.path !== 'string') {
        return error(
          422,
          'invalid_attachment',
          'Attachment must have either a `content` or `path`.',
        );
      }
    }
  }

  if (email.tags !== undefined) {
    const list = Array.isArray(email.tags) ? email.tags : [null];
    for (const t of list as Array<{ name?: unknown; value?: unknown } | null>) {
      const ok =
        typeof t?.name === 'string' &&
        TAG_TEXT.test(t.name) &&
        (t.value === undefined || (typeof t.value === 'string' && TAG_TEXT.test(t.value)));
      if (!ok) {
        return error(
          422,
          'validation_error',
          'Tags should only contain ASCII letters, numbers, underscores, or dashes.',
        );
      }
    }
  }
  return undefined;
}
