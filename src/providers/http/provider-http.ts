import { inspect } from 'node:util';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpService } from '@nestjs/axios';
import axios, { AxiosError, type AxiosResponse } from 'axios';
import { ProviderError, type FailureKind } from '../../domain/provider-error';

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
 * One provider's HTTP connection: @nestjs/axios over keep-alive agents, with the provider's
 * timeout. It answers every HTTP status as a response and turns transport failures into
 * classified `ProviderError`s; it never puts request headers (credentials) into an error.
 */
export class ProviderHttp {
  readonly baseUrl: string;
  private readonly http: HttpService;

  constructor(private readonly options: ProviderHttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets };
    this.http = new HttpService(
      axios.create({
        timeout: options.timeoutMs,
        httpAgent: new HttpAgent(agentOptions),
        httpsAgent: new HttpsAgent(agentOptions),
        maxRedirects: 0,
        responseType: 'text',
        transformResponse: (data: unknown) => data,
        validateStatus: () => true,
        maxBodyLength: Infinity,
        maxContentLength: 10 * 1024 * 1024,
        proxy: false,
      }),
    );
  }

  async request(req: ProviderHttpRequest, signal?: AbortSignal): Promise<ProviderHttpResponse> {
    let res: AxiosResponse<string>;
    try {
      // HttpService's axios instance directly: its Observable wrapper cancels a CancelToken on
      // every completed request (an AxiosError allocated per send), and we need one promise.
      res = await this.http.axiosRef.request<string>({
        method: req.method,
        url: this.baseUrl + req.path,
        headers: req.headers,
        data: req.body,
        signal,
      });
    } catch (e) {
      throw this.transportError(e);
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers ?? {})) {
      if (v !== undefined && v !== null)
        headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
    }
    return { status: res.status, headers, text: typeof res.data === 'string' ? res.data : '' };
  }

  /** The agents keep sent requests (auth headers included): never print them. */
  [inspect.custom](): string {
    return `ProviderHttp { ${this.baseUrl} }`;
  }

  /** Frees the keep-alive sockets. */
  close(): void {
    const defaults = this.http.axiosRef.defaults;
    (defaults.httpAgent as HttpAgent | undefined)?.destroy();
    (defaults.httpsAgent as HttpsAgent | undefined)?.destroy();
  }

  private transportError(e: unknown): ProviderError {
    const code = e instanceof AxiosError ? (e.code ?? 'ERR_NETWORK') : 'ERR_UNKNOWN';
    const kind = transportKind(code, e);
    const what =
      code === 'ECONNABORTED' || code === 'ETIMEDOUT'
        ? `no answer within ${this.options.timeoutMs} ms`
        : code === 'ERR_CANCELED'
          ? 'request aborted'
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
]);

function transportKind(code: string, e: unknown): FailureKind {
  if (NOT_SENT.has(code)) return 'retryable';
  const cause = (e as { cause?: { code?: string } })?.cause?.code;
  if (cause && NOT_SENT.has(cause)) return 'retryable';
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
