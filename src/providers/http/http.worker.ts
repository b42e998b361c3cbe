// The thread that makes Mailover's outbound provider HTTP calls (see http-thread.ts for why).
// Started by file name: dist/.../http.worker.js once built, this file through ts-node from src/.
import 'reflect-metadata';
import { parentPort } from 'node:worker_threads';
import { AxiosClients } from './axios-clients';
import type { FromThread, ToThread } from './http-thread.protocol';

if (!parentPort) throw new Error('http.worker runs as a worker thread only');
const port = parentPort;
const reply = (message: FromThread) => port.postMessage(message);
const clients = new AxiosClients();

port.on('message', (m: ToThread) => {
  switch (m.type) {
    case 'request':
      return clients.request(m, reply);
    case 'abort':
      return clients.abort(m.id);
    case 'open':
      return clients.open(m.client, m.options);
    case 'close':
      return clients.close(m.client);
    case 'ping':
      return reply({ type: 'pong' });
  }
});
