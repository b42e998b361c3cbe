// The thread that makes Mailover's outbound provider HTTP calls (see http-thread.ts for why).
// Started by file name: dist/.../http.worker.js once built, this file through ts-node from src/.
import 'reflect-metadata';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { parentPort } from 'node:worker_threads';
import { HttpService } from '@nestjs/axios';
import axios, { type AxiosInstance } from 'axios';
import type { FromThread, ThreadClientOptions, ToThread } from './http-thread.protocol';

if (!parentPort) throw new Error('http.worker runs as a worker thread only');
const port = parentPort;
const reply = (message: FromThread) => port.postMessage(message);

/** One axios instance (keep-alive agents, the provider's timeout) per ProviderHttp. */
const clients = new Map<number, AxiosInstance>();
/** Requests in flight, by id: their AbortControllers. */
const inFlight = new Map<number, AbortController>();

function open(client: number, { timeoutMs, maxSockets }: ThreadClientOptions): void {
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
  clients.set(client, http.axiosRef);
}

function close(client: number): void {
  const axiosRef = clients.get(client);
  clients.delete(client);
  (axiosRef?.defaults.httpAgent as HttpAgent | undefined)?.destroy();
  (axiosRef?.defaults.httpsAgent as HttpsAgent | undefined)?.destroy();
}

function request({
  id,
  client,
  method,
  url,
  headers,
  body,
  deadline,
}: Extract<ToThread, { type: 'request' }>): void {
  const axiosRef = clients.get(client);
  if (!axiosRef) return reply({ id, error: { code: 'ERR_CLOSED' } });
  // The sender gave up on this request while it waited here: it must never leave.
  const left = deadline === undefined ? Infinity : deadline - Date.now();
  if (left <= 0) return reply({ id, error: { code: 'ERR_DEADLINE' } });
  const controller = new AbortController();
  inFlight.set(id, controller);
  const cutOff = left === Infinity ? undefined : setTimeout(() => controller.abort(), left);
  // A Buffer arrives as a Uint8Array (structured clone); axios sends Buffers and strings.
  const data =
    body instanceof Uint8Array ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : body;
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
      inFlight.delete(id);
    });
}

port.on('message', (m: ToThread) => {
  switch (m.type) {
    case 'request':
      return request(m);
    case 'abort':
      return inFlight.get(m.id)?.abort();
    case 'open':
      return open(m.client, m.options);
    case 'close':
      return close(m.client);
    case 'ping':
      return reply({ type: 'pong' });
  }
});
