import { randomUUID } from 'node:crypto';
import {
  FakeHttpServer,
  type AnsweredFault,
  type FakeResponse,
  type RecordedRequest,
} from '../../fakes/fake-http-server';

/** Acme Mail's one call as a local server: `POST /v1/send`, `X-Acme-Key`, `201 {"ref"}`. */
export class AcmeFake extends FakeHttpServer {
  constructor(private readonly apiKey: string) {
    super();
  }

  protected handle(req: RecordedRequest): FakeResponse {
    if (req.method !== 'POST' || req.path !== '/v1/send') return { status: 404 };
    if (req.headers['x-acme-key'] !== this.apiKey) return { status: 401, body: { error: 'key' } };
    const body = req.json as { from?: string; to?: string[]; subject?: string } | undefined;
    if (!body?.from || !body.to?.length || !body.subject)
      return { status: 422, body: { error: 'from, to and subject are required' } };
    return { status: 201, body: { ref: `acme-${randomUUID()}` } };
  }

  protected faultResponse(kind: AnsweredFault): FakeResponse {
    if (kind === 'auth') return { status: 401, body: { error: 'key' } };
    if (kind === 'rate-limit') return { status: 429, headers: { 'retry-after': '1' } };
    if (kind === 'reject-recipient') return { status: 422, body: { error: 'recipient' } };
    if (kind === 'garbage') return { status: 201, body: '{"ref":' };
    return { status: 503, body: { error: 'down' } };
  }
}
