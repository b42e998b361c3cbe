import { providerHttp } from '../../../src/providers/http/http-provider.options';
import { definePlugin } from '../../../src/providers/provider.plugin';
import { AcmeOptions } from './acme.options';
import { ACME_CAPABILITIES, AcmeProvider } from './acme.provider';

/** A vendor that ships nowhere: the proof that a provider is one folder and one registry entry. */
export const acmePlugin = definePlugin({
  type: 'acme',
  options: AcmeOptions,
  defaultBaseUrl: 'https://api.acme.invalid',
  capabilities: ACME_CAPABILITIES,
  docs: { messageId: 'body `ref`', notes: 'made up, for the tests' },
  create: (options, { http }) =>
    new AcmeProvider(
      options,
      providerHttp(options, options.baseUrl ?? 'https://api.acme.invalid', http),
    ),
});
