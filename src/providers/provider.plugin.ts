import type { ProviderConfig } from './provider.options';
import type { EmailProvider, ProviderCapabilities } from '../domain/provider';

/** What a plug-in's documentation says, rendered into the README's provider table. */
export interface ProviderPluginDocs {
  /** Notes on single settings, e.g. `{ baseUrl: 'EU: https://api.eu.mailgun.net' }`. */
  settings?: Record<string, string>;
  /** Where the provider's message id is read from. */
  messageId: string;
  /** One line: what is particular about this provider. */
  notes: string;
}

/** Paths a plug-in may resolve once the data directory is known. */
export interface ProviderPluginContext {
  dataDir: string;
}

/**
 * One email provider, as a plug-in: its `type` in config, its own options class (class-validator;
 * it extends `ProviderConfig`, and only its properties are accepted for this type), defaults,
 * capabilities, documentation, and the factory that builds the adapter from the validated
 * options. The registry (provider.registry.ts) lists every plug-in; config validation, the type
 * list, the factory and the README's table are derived from it.
 */
export interface ProviderPlugin<O extends ProviderConfig = ProviderConfig> {
  readonly type: string;
  /** The options class; its decorators are the schema of a `providers[]` entry of this type. */
  readonly options: new () => O;
  /** The production API's URL, used when `baseUrl` is not set (HTTP providers). */
  readonly defaultBaseUrl?: string;
  readonly capabilities: ProviderCapabilities;
  readonly docs: ProviderPluginDocs;
  /** Completes validated options that depend on the environment (paths under the data directory). */
  resolve?(options: O, context: ProviderPluginContext): void;
  /** Builds the adapter; called once per configured provider at startup. */
  create(options: O): EmailProvider;
  // The provider-events issue adds the webhook verifier and event mapper here (optional fields).
}

/** Declares a plug-in with its options type checked against its factory. */
export function definePlugin<O extends ProviderConfig>(plugin: ProviderPlugin<O>): ProviderPlugin {
  return plugin as unknown as ProviderPlugin;
}
