import type { ThreadClientOptions, ThreadRequest, ThreadResponse } from './http-thread.protocol';

export type { ThreadClientOptions, ThreadRequest, ThreadResponse } from './http-thread.protocol';

/** Why no response came: axios's error code (ECONNREFUSED, ECONNABORTED, ERR_CANCELED, ...). */
export class TransportError extends Error {
  constructor(
    readonly code: string,
    readonly causeCode?: string,
  ) {
    super(code);
  }
}

/**
 * Where the provider HTTP calls run: on their own thread (ThreadTransport, the default) or on
 * the event loop (InlineTransport, `server.httpThread: false`). One per process, owned by the
 * ProvidersModule; every ProviderHttp opens a client on it.
 */
export abstract class HttpTransport {
  /** Registers a client (keep-alive agents sized by its options); answers its handle. */
  abstract open(options: ThreadClientOptions): number;
  /** Frees a client's sockets. */
  abstract close(client: number): void;
  /** Sends one request; rejects with a TransportError when no response came. */
  abstract request(
    client: number,
    req: ThreadRequest,
    signal?: AbortSignal,
  ): Promise<ThreadResponse>;
  /** Resolves once the transport can send without a loading delay. */
  abstract whenReady(): Promise<void>;
  /** Ends the transport: what is in flight fails, nothing is sent after. */
  abstract shutdown(): Promise<void>;
}
