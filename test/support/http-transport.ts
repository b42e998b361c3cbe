import { ThreadTransport } from '../../src/providers/http/http-thread';
import type { HttpTransport } from '../../src/providers/http/http-transport';

/**
 * The HTTP transport for adapters a test builds by hand: the production default, the HTTP
 * thread. Idle, the thread does not keep the test process alive.
 */
export const testTransport: HttpTransport = new ThreadTransport();
