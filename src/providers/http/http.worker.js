// The thread that makes Mailover's outbound provider HTTP calls (see http-thread.ts for why).
// Plain JavaScript: it is started by file name from src/ (tests) as from dist/ (the build copies it).
// In:  { type: 'open', client, options } | { type: 'close', client }
//      { type: 'request', id, client, method, url, headers, body, deadline? } | { type: 'abort', id }
//      { type: 'ping' } (answered once the thread has loaded)
// Out: { id, status, headers, text } | { id, error: { code, causeCode } } | { type: 'pong' }
'use strict';
require('reflect-metadata');
const { parentPort } = require('node:worker_threads');
const { Agent: HttpAgent } = require('node:http');
const { Agent: HttpsAgent } = require('node:https');
const { HttpService } = require('@nestjs/axios');
const axios = require('axios');

/** One axios instance (keep-alive agents, the provider's timeout) per ProviderHttp. */
const clients = new Map();
/** Requests in flight, by id: their AbortControllers. */
const inFlight = new Map();

function open(client, { timeoutMs, maxSockets }) {
  const agentOptions = { keepAlive: true, maxSockets };
  const http = new HttpService(
    axios.create({
      timeout: timeoutMs,
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      maxRedirects: 0,
      responseType: 'text',
      transformResponse: (data) => data,
      validateStatus: () => true,
      maxBodyLength: Infinity,
      maxContentLength: 10 * 1024 * 1024,
      proxy: false,
    }),
  );
  clients.set(client, http.axiosRef);
}

function close(client) {
  const axiosRef = clients.get(client);
  clients.delete(client);
  axiosRef?.defaults.httpAgent?.destroy();
  axiosRef?.defaults.httpsAgent?.destroy();
}

function request({ id, client, method, url, headers, body, deadline }) {
  const axiosRef = clients.get(client);
  if (!axiosRef) return parentPort.postMessage({ id, error: { code: 'ERR_CLOSED' } });
  // The sender gave up on this request while it waited here: it must never leave.
  const left = deadline === undefined ? Infinity : deadline - Date.now();
  if (left <= 0) return parentPort.postMessage({ id, error: { code: 'ERR_DEADLINE' } });
  const controller = new AbortController();
  inFlight.set(id, controller);
  const cutOff = left === Infinity ? undefined : setTimeout(() => controller.abort(), left);
  // A Buffer arrives as a Uint8Array (structured clone); axios sends Buffers and strings.
  const data =
    body instanceof Uint8Array ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : body;
  axiosRef
    .request({ method, url, headers, data, signal: controller.signal })
    .then(
      (res) => {
        const flat = {};
        for (const [k, v] of Object.entries(res.headers ?? {})) {
          if (v !== undefined && v !== null)
            flat[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
        }
        const text = typeof res.data === 'string' ? res.data : '';
        parentPort.postMessage({ id, status: res.status, headers: flat, text });
      },
      (e) =>
        parentPort.postMessage({
          id,
          error: { code: e && e.code, causeCode: e && e.cause && e.cause.code },
        }),
    )
    .finally(() => {
      clearTimeout(cutOff);
      inFlight.delete(id);
    });
}

parentPort.on('message', (m) => {
  if (m.type === 'request') request(m);
  else if (m.type === 'abort') inFlight.get(m.id)?.abort();
  else if (m.type === 'open') open(m.client, m.options);
  else if (m.type === 'close') close(m.client);
  else if (m.type === 'ping') parentPort.postMessage({ type: 'pong' });
});
