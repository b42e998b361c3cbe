import { randomUUID } from 'node:crypto';
import {
  FakeHttpServer,
  type FakeResponse,
  type RecordedRequest,
  type AnsweredFault,
} from './fake-http-server';

/** Postmark's documented dry-run token: validated, answered normally, never delivered (docs/providers/postmark.md §1). */
export const POSTMARK_API_TEST = 'POSTMARK_API_TEST';

const MISSING_TOKEN =
  'No Account or Server API tokens were supplied in the HTTP headers. Please add a header for either X-Postmark-Server-Token or X-Postmark-Account-Token.';
const BAD_TOKEN =
  'The Server Token you provided in the X-Postmark-Server-Token request header was invalid. Please verify that you are using a valid token.';

/** `{ErrorCode, Message}`: the body of every Postmark API error (docs/providers/postmark.md §4). */
const apiError = (status: number, ErrorCode: number, Message: string): FakeResponse => ({
  status,
  body: { ErrorCode, Message },
});

interface PostmarkBody {
  From?: unknown;
  To?: unknown;
  Cc?: unknown;
  Bcc?: unknown;
  TextBody?: unknown;
  HtmlBody?: unknown;
}

const present = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0;

/**
 * Postmark's `POST /email` (docs/providers/postmark.md §7): the server token header, 401 with ErrorCode 10 on
 * a missing or wrong token, 422 with ErrorCode/Message on invalid requests, 200 with a fresh
 * `MessageID` UUID on success. The token is compared case-insensitively, as Postmark does.
 */
export class PostmarkFake extends FakeHttpServer {
  lastMessageId = '';

  constructor(private readonly serverToken: string) {
    super();
  }

  protected handle(req: RecordedRequest): FakeResponse {
    if (req.method !== 'POST' || req.path !== '/email') {
      return { status: 404, body: { ErrorCode: 404, Message: 'Not found' } }; // body shape unverified
    }
    const token = req.headers['x-postmark-server-token'];
    if (typeof token !== 'string' || !token) return apiError(401, 10, MISSING_TOKEN);
    const known = [this.serverToken, POSTMARK_API_TEST].map((t) => t.toLowerCase());
    if (!known.includes(token.toLowerCase())) return apiError(401, 10, BAD_TOKEN);

    if (!String(req.headers['content-type'] ?? '').includes('application/json')) {
      return apiError(422, 409, 'JSON required.');
    }
    const body = req.json as PostmarkBody | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      return apiError(422, 402, 'Received invalid JSON input.');
    }
    if (!present(body.From)) return apiError(422, 300, "Invalid 'From' value.");
    if (![body.To, body.Cc, body.Bcc].some(present)) {
      return apiError(422, 300, 'Zero recipients specified');
    }
    if (!present(body.TextBody) && !present(body.HtmlBody)) {
      return apiError(422, 300, 'Provide either email TextBody or HtmlBody or both.');
    }

    this.lastMessageId = randomUUID();
    return {
      status: 200,
      body: {
        To: body.To ?? '',
        SubmittedAt: new Date().toISOString().replace('Z', '0000Z'),
        MessageID: this.lastMessageId,
        ErrorCode: 0,
        Message: 'OK',
      },
    };
  }

  protected faultResponse(kind: AnsweredFault, req: RecordedRequest): FakeResponse {
    switch (kind) {
      case 'server-error':
        // 500 Internal server error (docs/providers/postmark.md §4); the body text is not documented.
        return apiError(500, 0, 'Internal Server Error');
      case 'rate-limit':
        // Postmark documents 429 but no rate-limit header; Retry-After is the generic one.
        return {
          status: 429,
          headers: { 'retry-after': '2' },
          body: { ErrorCode: 0, Message: 'Rate limit exceeded' },
        };
      case 'auth':
        return apiError(401, 10, BAD_TOKEN);
      case 'reject-recipient': {
        // Every recipient suppressed: 422 ErrorCode 406 (docs/providers/postmark.md §4).
        const to = (req.json as PostmarkBody | undefined)?.To;
        const address = present(to) ? (/<([^>]+)>/.exec(to)?.[1] ?? to.split(',')[0]) : 'unknown';
        return apiError(
          422,
          406,
          `You tried to send to recipient(s) that have been marked as inactive. Found inactive addresses: ${address}. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression.`,
        );
      }
      case 'garbage':
        return {
          status: 200,
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: '{"To":"ann@example.com","SubmittedAt":"2024-01-01T12:00:00.0000000Z","MessageI',
        };
    }
  }
}
