import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderError } from '../../src/domain/provider-error';
import type { Worker } from 'node:worker_threads';
import { ThreadTransport } from '../../src/providers/http/http-thread';
import type { HttpTransport } from '../../src/providers/http/http-transport';
import { InlineTransport } from '../../src/providers/http/inline-transport';
import { ProviderHttp } from '../../src/providers/http/provider-http';

/**
 * ProviderHttp sends on either transport (the HTTP thread, the default, or the event loop): what
 * crosses must arrive intact, an abort must end the call at once (and the socket with it),
 * deadlines hold, and the thread must come and go with its clients.
 */
describe.each([
  ['the HTTP thread', () => new ThreadTransport()],
  ['the event loop', () => new InlineTransport()],
])('ProviderHttp on %s', (_where, makeTransport: () => HttpTransport) => {
  const transport = makeTransport();
  const isThread = transport instanceof ThreadTransport;
  let server: Server;
  let url: string;
  const closedSockets: string[] = [];
  const seen: Array<{
    method?: string;
    url?: string;
    headers: IncomingMessage['headers'];
    body: Buffer;
  }> = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: Buffer.concat(chunks),
        });
        if (req.url === '/hang') {
          req.socket.on('close', () => closedSockets.push(req.url!));
          return; // never answers
        }
        res.writeHead(201, { 'X-Echo': 'yes', 'Set-Cookie': ['a=1', 'b=2'] });
        res.end(`got ${Buffer.concat(chunks).length} bytes`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await transport.shutdown();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const client = (timeoutMs = 5000) =>
    new ProviderHttp(
      { providerId: 'thread-test', baseUrl: url, timeoutMs, maxSockets: 4 },
      transport,
    );

  it('carries method, path, headers and a Buffer or FormData body, and the whole response', async () => {
    const http = client();
    try {
      const binary = Buffer.from([0, 1, 2, 250, 255]);
      const res = await http.request({
        method: 'PUT',
        path: '/put?x=1',
        headers: { Authorization: 'Bearer t', 'Content-Type': 'application/octet-stream' },
        body: binary,
      });
      expect(res).toEqual({
        status: 201,
        headers: expect.objectContaining({ 'x-echo': 'yes', 'set-cookie': 'a=1, b=2' }),
        text: 'got 5 bytes',
      });
      expect(seen.at(-1)).toMatchObject({ method: 'PUT', url: '/put?x=1', body: binary });
      expect(seen.at(-1)!.headers.authorization).toBe('Bearer t');

      const form = new FormData();
      form.append('to', 'ann@example.com');
      await http.request({ method: 'POST', path: '/form', body: form });
      const sent = seen.at(-1)!;
      expect(sent.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
      expect(sent.body.toString()).toContain('name="to"\r\n\r\nann@example.com');
    } finally {
      http.close();
    }
  });

  it('ends an aborted call at once, as a classified error, and drops its socket', async () => {
    const http = client();
    try {
      const controller = new AbortController();
      const call = http.request({ method: 'POST', path: '/hang', body: 'x' }, controller.signal);
      const rejection = expect(call).rejects.toMatchObject({
        kind: 'ambiguous',
        message: expect.stringContaining('request aborted'),
      });
      // Abort once the request is at the server.
      for (let i = 0; i < 100 && seen.at(-1)?.url !== '/hang'; i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(seen.at(-1)?.url).toBe('/hang');
      controller.abort();
      await rejection;
      await expect(call).rejects.toBeInstanceOf(ProviderError);
      for (let i = 0; i < 50 && closedSockets.length === 0; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(closedSockets).toEqual(['/hang']);
    } finally {
      http.close();
    }
  });

  it('times out with the provider timeout', async () => {
    const http = client(200);
    try {
      await expect(http.request({ method: 'POST', path: '/hang' })).rejects.toMatchObject({
        kind: 'ambiguous',
        message: expect.stringContaining('no answer within 200 ms'),
      });
    } finally {
      http.close();
    }
  });

  it('never starts a request whose deadline has passed: not sent, retryable', async () => {
    const http = client();
    try {
      const before = seen.length;
      const error = await http
        .request({ method: 'POST', path: '/late', body: 'x' }, undefined, Date.now() - 1)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ kind: 'retryable', details: { code: 'ERR_DEADLINE' } });
      // Give a request that had left every chance to arrive: none did.
      await http.request({ method: 'GET', path: '/after' });
      expect(seen.slice(before).map((r) => r.url)).toEqual(['/after']);
    } finally {
      http.close();
    }
  });

  it('cuts off a request still running at its deadline, as ambiguous', async () => {
    const http = client(60_000);
    try {
      // The thread is up and the connection open first: under load, starting the thread alone
      // took longer than the deadline, and a request past its deadline never starts (above).
      await http.request({ method: 'GET', path: '/warm' });
      const closedBefore = closedSockets.length;
      const error = await http
        .request({ method: 'POST', path: '/hang', body: 'x' }, undefined, Date.now() + 1000)
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'ambiguous' });
      for (let i = 0; i < 50 && closedSockets.length === closedBefore; i++)
        await new Promise((r) => setTimeout(r, 20));
      expect(closedSockets.length).toBe(closedBefore + 1);
    } finally {
      http.close();
    }
  });

  it('starts again after its last client closed', async () => {
    const first = client();
    first.close();
    const second = client();
    try {
      expect((await second.request({ method: 'GET', path: '/again' })).status).toBe(201);
    } finally {
      second.close();
    }
  });

  // Only a thread can die under the event loop.
  if (isThread)
    it('fails the calls a dying thread held as ambiguous, and sends on a new thread', async () => {
      const http = client();
      try {
        const held = http.request({ method: 'POST', path: '/hang', body: 'x' });
        const rejection = expect(held).rejects.toMatchObject({
          kind: 'ambiguous',
          message: expect.stringContaining('ERR_THREAD_EXITED'),
        });
        for (let i = 0; i < 100 && seen.at(-1)?.url !== '/hang'; i++)
          await new Promise((r) => setTimeout(r, 10));
        // What an out-of-memory or a crash in the thread would do.
        await (transport as unknown as { worker: Worker }).worker.terminate();
        await rejection;
        expect((await http.request({ method: 'GET', path: '/after' })).status).toBe(201);
      } finally {
        http.close();
      }
    });

  it('refuses a refused connection as retryable (nothing was sent)', async () => {
    const http = new ProviderHttp(
      {
        providerId: 'thread-test',
        baseUrl: 'http://127.0.0.1:1',
        timeoutMs: 1000,
        maxSockets: 1,
      },
      transport,
    );
    try {
      await expect(http.request({ method: 'GET', path: '/' })).rejects.toMatchObject({
        kind: 'retryable',
      });
    } finally {
      http.close();
    }
  });
});
