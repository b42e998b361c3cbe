import { inspect } from 'node:util';
import { ProviderError, type FailureKind } from '../../domain/provider-error';
import { type HttpTransport, TransportError } from './http-transport';

export interface ProviderHttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** Appended to the provider's base URL. */
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer | FormData;
}

export interface ProviderHttpResponse {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  text: string;
}

export interface ProviderHttpOptions {
  providerId: string;
  baseUrl: string;
  timeoutMs: number;
  maxSockets: number;
}

/**
 * One provider's HTTP connection: axios (from @nestjs/axios) over keep-alive agents with the
 * provider's timeout, on the process's HTTP transport (the HTTP thread by default). It answers every HTTP status
 * as a response and turns transport failures into classified `ProviderError`s; it never puts
 * request headers (credentials) into an error.
 */
export class ProviderHttp {
  readonly baseUrl: string;
  private readonly client: number;

  constructor(
    private readonly options: ProviderHttpOptions,
    private readonly transport: HttpTransport,
  ) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.client = transport.open({ timeoutMs: options.timeoutMs, maxSockets: options.maxSockets });
  }

  /**
   * Sends one request. `deadline` (epoch ms): if the request has not left by then (it waited on
   * the HTTP thread), it never leaves and fails as not sent (retryable); one in flight then is
   * cut off (ambiguous).
   */
  async request(
    req: ProviderHttpRequest,
    signal?: AbortSignal,
    deadline?: number,
  ): Promise<ProviderHttpResponse> {
    let { headers, body } = req;
    if (body instanceof FormData) {
      // A FormData cannot cross to the thread: encode it here, boundary and all.
      const encoded = new Response(body);
      headers = { ...headers, 'content-type': encoded.headers.get('content-type')! };
      body = Buffer.from(await encoded.arrayBuffer());
    }
    try {
      return await this.transport.request(
        this.client,
        { method: req.method, url: this.baseUrl + req.path, headers, body, deadline },
        signal,
      );
    } catch (e) {
      throw this.transportError(e);
    }
  }

  /** The agents keep sent requests (auth headers included): never print them. */
  [inspect.custom](): string {
    return `ProviderHttp { ${this.baseUrl} }`;
  }

  /** Frees the keep-alive sockets. */
  close(): void {
    this.transport.close(this.client);
  }

  private transportError(e: unknown): ProviderError {
    const code = e instanceof TransportError ? e.code : 'ERR_UNKNOWN';
    const kind = transportKind(code, e instanceof TransportError ? e.causeCode : undefined);
    const what =
      code === 'ECONNABORTED' || code === 'ETIMEDOUT'
        ? `no answer within ${this.options.timeoutMs} ms`
        : code === 'ERR_CANCELED'
          ? 'request aborted'
          : code === 'ERR_DEADLINE' || code === 'ERR_NOT_STARTED'
            ? 'deadline passed before the request could leave (nothing was sent)'
            : `connection failed (${code})`;
    return new ProviderError(this.options.providerId, kind, what, { code });
  }
}

/** Nothing reached the provider: safe to send elsewhere. Otherwise it may have been taken. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  // The HTTP thread refused to start a request after its deadline, or it was aborted before.
  'ERR_DEADLINE',
  'ERR_NOT_STARTED',
]);

function transportKind(code: string, causeCode?: string): FailureKind {
  if (NOT_SENT.has(code)) return 'retryable';
  if (causeCode && NOT_SENT.has(causeCode)) return 'retryable';
  return 'ambiguous';
}

/** Retry-After as seconds or an HTTP date, in ms from now. */
export function retryAfterMs(
  headers: Record<string, string>,
  now = Date.now(),
): number | undefined {
  const value = headers['retry-after'];
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * The default reading of an HTTP status: 408, 429 and 5xx are retryable, 401 and 403 are the
 * provider's (credentials, account), any other 4xx is permanent for this message.
 * Adapters refine it with the provider's own error codes.
 */
export function kindOfStatus(status: number): FailureKind {
  if (status === 408 || status === 429 || status >= 500) return 'retryable';
  if (status === 401 || status === 403) return 'provider';
  return 'permanent';
}

/** JSON.parse that answers undefined instead of throwing. */
export function tryJson<T = Record<string, unknown>>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
