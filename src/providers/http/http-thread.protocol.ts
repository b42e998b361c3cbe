// The messages between the event loop (http-thread.ts) and the HTTP thread (http.worker.ts).
// Types only: both sides import them, and nothing of it exists at run time.

export interface ThreadClientOptions {
  timeoutMs: number;
  maxSockets: number;
}

export interface ThreadRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** A Buffer arrives on the thread as a Uint8Array (structured clone). */
  body?: string | Buffer;
  /** Epoch ms after which the thread must not start the request, and cuts it off if running. */
  deadline?: number;
}

export interface ThreadResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  text: string;
}

/** To the thread. `ping` is answered once the thread has loaded (readiness). */
export type ToThread =
  | { type: 'open'; client: number; options: ThreadClientOptions }
  | { type: 'close'; client: number }
  | ({ type: 'request'; id: number; client: number } & ThreadRequest)
  | { type: 'abort'; id: number }
  | { type: 'ping' };

/** From the thread: a response, a transport failure (axios's codes), or the answer to `ping`. */
export type FromThread =
  | ({ id: number } & ThreadResponse)
  | { id: number; error: { code?: string; causeCode?: string } }
  | { type: 'pong' };
