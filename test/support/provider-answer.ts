import type { ProviderHttpResponse } from '../../src/providers/http/provider-http';

/** A provider's HTTP answer as a mapper reads it: a string body as it is, anything else as JSON. */
export const answer = (
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): ProviderHttpResponse => ({
  status,
  headers,
  text: typeof body === 'string' ? body : JSON.stringify(body),
});
