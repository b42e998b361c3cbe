import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type {
  FromThread,
  ThreadClientOptions,
  ThreadRequest,
  ThreadResponse,
  ToThread,
} from './http-thread.protocol';

export type { ThreadClientOptions, ThreadRequest, ThreadResponse } from './http-thread.protocol';

/** Why no response came: axios's error code (ECONNREFUSED, ECONNABORTED, ERR_CANCELED, ...). */
export class ThreadTransportError extends Error {
  constructor(
    readonly code: string,
    readonly causeCode?: string,
  ) {
    super(code);
  }
}

/**
 * The one thread per process that makes the provider HTTP calls (http.worker.ts): axios over
 * keep-alive agents, one instance per ProviderHttp. Building, sending and reading a request cost
 * the event loop about a quarter of the CPU of every delivered email, while HTTP ingest and the
 * store need that loop and the machine's other core sat partly idle. A call here costs the event
 * loop one message out and one back. The thread starts with the first client and ends with the
 * last; it never keeps the process alive by itself when idle.
 */
class HttpThread {
  private worker?: Worker;
  private readonly clients = new Map<number, ThreadClientOptions>();
  private readonly pending = new Map<
    number,
    { resolve(r: ThreadResponse): void; reject(e: Error): void }
  >();
  private nextClient = 0;
  private nextId = 0;
  private ready: Promise<void> = Promise.resolve();

  /** Registers a client; starts the thread now, so the first send does not wait for it to load. */
  open(options: ThreadClientOptions): number {
    const client = ++this.nextClient;
    this.clients.set(client, options);
    if (this.worker) post(this.worker, { type: 'open', client, options });
    else this.started();
    return client;
  }

  /**
   * Resolves once the thread has loaded (or has exited): awaited at startup, so the first sends
   * do not spend their deadline on the thread's module loading.
   */
  whenReady(): Promise<void> {
    return this.ready;
  }

  close(client: number): void {
    if (!this.clients.delete(client)) return;
    if (this.worker) post(this.worker, { type: 'close', client });
    if (this.clients.size === 0 && this.worker) {
      const worker = this.worker;
      this.worker = undefined;
      this.failAll('ERR_CLOSED');
      void worker.terminate();
    }
  }

  request(client: number, req: ThreadRequest, signal?: AbortSignal): Promise<ThreadResponse> {
    // Aborted before it was handed over: nothing left.
    if (signal?.aborted) return Promise.reject(new ThreadTransportError('ERR_NOT_STARTED'));
    const worker = this.started();
    const id = ++this.nextId;
    return new Promise<ThreadResponse>((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.delete(id)) return;
        post(worker, { type: 'abort', id });
        this.settled(worker);
        reject(new ThreadTransportError('ERR_CANCELED'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: (r) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(r);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      if (this.pending.size === 1) worker.ref();
      post(worker, { type: 'request', id, client, ...req });
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    // Its objects die young (a request and its response): a small young generation keeps the
    // thread's share of the process's memory small under load (figures in bench/README.md).
    const worker = startWorker({ resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    worker.unref();
    this.ready = new Promise<void>((resolve) => {
      worker.once('message', () => resolve());
      worker.once('exit', () => resolve());
    });
    post(worker, { type: 'ping' });
    worker.on('message', (reply: FromThread) => {
      if ('type' in reply) return;
      const waiter = this.pending.get(reply.id);
      if (!waiter) return; // aborted meanwhile
      this.pending.delete(reply.id);
      this.settled(worker);
      if ('error' in reply) {
        waiter.reject(
          new ThreadTransportError(reply.error.code ?? 'ERR_NETWORK', reply.error.causeCode),
        );
      } else {
        waiter.resolve({ status: reply.status, headers: reply.headers, text: reply.text });
      }
    });
    // A thread that dies fails what it held; the next request starts a new one.
    const lost = () => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failAll('ERR_THREAD_EXITED');
    };
    worker.on('error', lost);
    worker.on('exit', lost);
    for (const [client, options] of this.clients) {
      post(worker, { type: 'open', client, options });
    }
    this.worker = worker;
    return worker;
  }

  private settled(worker: Worker): void {
    if (this.pending.size === 0) worker.unref();
  }

  private failAll(code: string): void {
    const waiters = [...this.pending.values()];
    this.pending.clear();
    for (const waiter of waiters) waiter.reject(new ThreadTransportError(code));
  }
}

/** Only typed messages cross to the thread. */
function post(worker: Worker, message: ToThread): void {
  worker.postMessage(message);
}

/**
 * The thread's entry: the compiled http.worker.js beside this file in dist/. From src/ (tests,
 * ts-node) there is only http.worker.ts: it is transpiled once per process (TypeScript's
 * transpileModule, as ts-node would on every start) and run with `require` resolving from its
 * own path, so a thread that starts again costs no compilation.
 */
function startWorker(options: WorkerOptions): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(join(__dirname, 'http.worker.js'), options);
  sourceWorker ??= transpiledWorker(join(__dirname, 'http.worker.ts'));
  return new Worker(sourceWorker, { ...options, eval: true });
}

let sourceWorker: string | undefined;

function transpiledWorker(entry: string): string {
  // A devDependency, needed only when running from the TypeScript sources.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as typeof import('typescript');
  const { outputText } = ts.transpileModule(readFileSync(entry, 'utf8'), {
    fileName: entry,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
  });
  const path = JSON.stringify(entry);
  return `(function (exports, require, module, __filename, __dirname) {\n${outputText}\n})({}, require('node:module').createRequire(${path}), { exports: {} }, ${path}, ${JSON.stringify(dirname(entry))});`;
}

export const httpThread = new HttpThread();
