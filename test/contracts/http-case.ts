import { plainToInstance } from 'class-transformer';
import type { ProviderConfig } from '../../src/config/config.schema';
import type { EmailProvider, ProviderType } from '../../src/domain/provider';
import { ProviderHttp } from '../../src/providers/http/provider-http';
import type { FakeHttpServer } from '../fakes/fake-http-server';
import { testTransport } from '../support/http-transport';

/** A provider's config fields as config/*.yaml would give them, for `plainToInstance`. */
export type ConfigFields = { type: ProviderType } & Record<string, unknown>;

/**
 * Starts `fake` and builds two adapters of `Provider` (with its `Options` class) against it: `config(url)` with valid
 * credentials, and the same with `wrongCredentials` laid over it. The timeout is short (300 ms)
 * so the `hang` fault is quick. `basePath` goes after the fake's URL for an API under a prefix.
 */
export async function startHttpAdapters<P extends EmailProvider, O extends ProviderConfig>(
  fake: FakeHttpServer,
  Provider: new (config: O, http: ProviderHttp) => P,
  Options: new () => O,
  config: (url: string) => ConfigFields,
  wrongCredentials: Record<string, unknown>,
  basePath = '',
): Promise<{ provider: P; wrongCredentials: P }> {
  const url = (await fake.start()) + basePath;
  const fields = config(url);
  const adapter = (id: string, overrides: Record<string, unknown>) =>
    new Provider(
      plainToInstance(Options, { id, ...fields, ...overrides, timeoutMs: 300 }),
      new ProviderHttp(
        { providerId: id, baseUrl: url, timeoutMs: 300, maxSockets: 10 },
        testTransport,
      ),
    );
  return {
    provider: adapter(`${fields.type}-test`, {}),
    wrongCredentials: adapter(`${fields.type}-wrong`, wrongCredentials),
  };
}
