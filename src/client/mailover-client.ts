import { signRequest } from '../domain/signing';

/** A mailbox: `"ann@example.com"`, `"Ann Lee <ann@example.com>"` or `{ email, name }`. */
export type AddressInput = string | { email: string; name?: string };

/** The body of POST /v1/emails (see /docs for every field). */
export interface SendEmailInput {
  from: AddressInput;
  to: AddressInput | AddressInput[];
  cc?: AddressInput[];
  bcc?: AddressInput[];
  replyTo?: AddressInput;
  subject: string;
  text?: string;
  html?: string;
  headers?: Record<string, string>;
  attachments?: Array<{
    filename: string;
    contentType?: string;
    content: string;
    contentId?: string;
  }>;
  tags?: string[];
  metadata?: Record<string, string>;
  sendAt?: string;
  providers?: string[];
}

export interface Accepted {
  id: string;
  status: string;
}

export interface ClientOptions {
  /** e.g. http://127.0.0.1:3000 */
  baseUrl: string;
  keyId: string;
  secret: string;
  fetch?: typeof fetch;
}

/** Per request: extra headers, and for tests, a fixed timestamp or nonce. */
export interface RequestOptions {
  headers?: Record<string, string>;
  timestamp?: number;
  nonce?: string;
  signal?: AbortSignal;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the answer is JSON (problem+json included), the text otherwise. */
  body: T;
}

/** A non-2xx answer; `problem` is the RFC 9457 document when there is one. */
export class MailoverApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem:
      { type?: string; title?: string; detail?: string; [k: string]: unknown } | undefined,
  ) {
    super(
      `Mailover answered ${status}${problem?.detail ? `: ${problem.detail}` : problem?.title ? `: ${problem.title}` : ''}`,
    );
    this.name = 'MailoverApiError';
  }
}

/** A small typed client: signs every request (docs/signing.md) and sends it with fetch. */
export class MailoverClient {
  readonly #baseUrl: string;
  readonly #keyId: string;
  readonly #secret: string;
  readonly #fetch: typeof fetch;

  constructor(options: ClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#keyId = options.keyId;
    this.#secret = options.secret;
    this.#fetch = options.fetch ?? fetch;
  }

  sendEmail(
    email: SendEmailInput,
    options: RequestOptions & { idempotencyKey?: string } = {},
  ): Promise<Accepted> {
    const headers = {
      ...options.headers,
      ...(options.idempotencyKey ? { 'Idempotency-Key': options.idempotencyKey } : {}),
    };
    return this.expect<Accepted>('POST', '/v1/emails', email, { ...options, headers });
  }

  getEmail(id: string, options?: RequestOptions): Promise<Record<string, unknown>> {
    return this.expect('GET', `/v1/emails/${encodeURIComponent(id)}`, undefined, options);
  }

  listEmails(
    query: Record<string, string | number | undefined> = {},
    options?: RequestOptions,
  ): Promise<{ items: Array<Record<string, unknown>>; nextCursor: string | null }> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query))
      if (value !== undefined) params.set(name, String(value));
    const search = params.toString();
    return this.expect('GET', `/v1/emails${search ? `?${search}` : ''}`, undefined, options);
  }

  cancelEmail(id: string, options?: RequestOptions): Promise<Record<string, unknown>> {
    return this.expect('DELETE', `/v1/emails/${encodeURIComponent(id)}`, undefined, options);
  }

  listProviders(options?: RequestOptions): Promise<{ items: Array<Record<string, unknown>> }> {
    return this.expect('GET', '/v1/providers', undefined, options);
  }

  setProviderEnabled(
    id: string,
    enabled: boolean,
    options?: RequestOptions,
  ): Promise<Record<string, unknown>> {
    return this.expect(
      'POST',
      `/v1/providers/${encodeURIComponent(id)}/${enabled ? 'enable' : 'disable'}`,
      undefined,
      options,
    );
  }

  /**
   * Signs and sends one request; never throws for an HTTP status. `body`: an object is sent as
   * JSON, URLSearchParams as a form, a string or bytes as they are (set content-type yourself).
   * `target` is the path plus query string, exactly as it will be sent.
   */
  async request<T = unknown>(
    method: string,
    target: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<ApiResponse<T>> {
    const { bytes, contentType } = encodeBody(body);
    const headers: Record<string, string> = {
      ...(contentType ? { 'content-type': contentType } : {}),
      ...options.headers,
      ...signRequest({
        keyId: this.#keyId,
        secret: this.#secret,
        method,
        target,
        body: bytes,
        timestamp: options.timestamp,
        nonce: options.nonce,
      }),
    };
    const response = await this.#fetch(`${this.#baseUrl}${target}`, {
      method,
      headers,
      body: bytes,
      signal: options.signal,
    });
    const text = await response.text();
    const isJson = /^application\/([\w.+-]+\+)?json\b/.test(
      response.headers.get('content-type') ?? '',
    );
    return {
      status: response.status,
      headers: response.headers,
      body: (isJson && text ? JSON.parse(text) : text) as T,
    };
  }

  private async expect<T>(
    method: string,
    target: string,
    body?: unknown,
    options?: RequestOptions,
  ): Promise<T> {
    const response = await this.request<T>(method, target, body, options);
    if (response.status >= 300) {
      const problem =
        typeof response.body === 'object' && response.body !== null
          ? (response.body as MailoverApiError['problem'])
          : undefined;
      throw new MailoverApiError(response.status, problem);
    }
    return response.body;
  }
}

function encodeBody(body: unknown): { bytes?: Buffer; contentType?: string } {
  if (body === undefined || body === null) return {};
  if (typeof body === 'string') return { bytes: Buffer.from(body, 'utf8') };
  if (body instanceof Uint8Array) return { bytes: Buffer.from(body) };
  if (body instanceof URLSearchParams) {
    return {
      bytes: Buffer.from(body.toString(), 'utf8'),
      contentType: 'application/x-www-form-urlencoded',
    };
  }
  return { bytes: Buffer.from(JSON.stringify(body), 'utf8'), contentType: 'application/json' };
}
