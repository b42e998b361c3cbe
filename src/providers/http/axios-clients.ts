import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { HttpService } from '@nestjs/axios';
import axios, { type AxiosInstance } from 'axios';
import type { FromThread, ThreadClientOptions, ToThread } from './http-thread.protocol';

type RequestMessage = Extract<ToThread, { type: 'request' }>;
type Answer = Exclude<FromThread, { type: 'pong' }>;

/**
 * The provider HTTP calls themselves: one axios instance (from @nestjs/axios, keep-alive agents,
 * the provider's timeout) per client, and the requests in flight. Both transports run it: the
 * HTTP thread (http.worker.ts) and the event loop (InlineTransport).
 */
export class AxiosClients {
  private readonly clients = new Map<number, AxiosInstance>();
  /** Requests in flight, by id: their AbortControllers. */
  private readonly inFlight = new Map<number, AbortController>();

  open(client: number, { timeoutMs, maxSockets }: ThreadClientOptions): void {
    const agentOptions = { keepAlive: true, maxSockets };
    const http = new HttpService(
      axios.create({
        timeout: timeoutMs,
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
    this.clients.set(client, http.axiosRef);
  }

  close(client: number): void {
    const axiosRef = this.clients.get(client);
    this.clients.delete(client);
    (axiosRef?.defaults.httpAgent as HttpAgent | undefined)?.destroy();
    (axiosRef?.defaults.httpsAgent as HttpsAgent | undefined)?.destroy();
  }

  abort(id: number): void {
    this.inFlight.get(id)?.abort();
  }

  /** Sends one request and calls `reply` once, with the response or the transport failure. */
  request(
    { id, client, method, url, headers, body, deadline }: RequestMessage,
    reply: (answer: Answer) => void,
  ): void {
    const axiosRef = this.clients.get(client);
    if (!axiosRef) return reply({ id, error: { code: 'ERR_CLOSED' } });
    // The sender gave up on this request while it waited: it must never leave.
    const left = deadline === undefined ? Infinity : deadline - Date.now();
    if (left <= 0) return reply({ id, error: { code: 'ERR_DEADLINE' } });
    const controller = new AbortController();
    this.inFlight.set(id, controller);
    const cutOff = left === Infinity ? undefined : setTimeout(() => controller.abort(), left);
    // A Buffer crossing to the thread arrives as a Uint8Array (structured clone).
    const data =
      body instanceof Uint8Array
        ? Buffer.from(body.buffer, body.byteOffset, body.byteLength)
        : body;
    void axiosRef
      .request<unknown>({ method, url, headers, data, signal: controller.signal })
      .then(
        (res) => {
          const flat: Record<string, string> = {};
          for (const [k, v] of Object.entries((res.headers ?? {}) as Record<string, unknown>)) {
            if (v !== undefined && v !== null)
              flat[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
          }
          const text = typeof res.data === 'string' ? res.data : '';
          reply({ id, status: res.status, headers: flat, text });
        },
        (e: { code?: string; cause?: { code?: string } } | null | undefined) =>
          reply({ id, error: { code: e?.code, causeCode: e?.cause?.code } }),
      )
      .finally(() => {
        clearTimeout(cutOff);
        this.inFlight.delete(id);
      });
  }
}
