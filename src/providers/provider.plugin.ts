import type { ProviderEvent } from '../domain/events';
import type { HttpTransport } from './http/http-transport';
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

/** What the process gives every adapter it builds. */
export interface ProviderRuntime {
  /** Where HTTP adapters send (ProviderHttp opens a client on it). */
  http: HttpTransport;
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
  create(options: O, runtime: ProviderRuntime): EmailProvider;
  /** Receiving the provider's event webhooks (`POST /v1/webhooks/{providerId}`), if it has them. */
  readonly webhook?: ProviderWebhook;
}

/** A provider's webhook request as received: the raw bytes, before anything parsed them. */
export interface WebhookRequest {
  /** The path and query as received. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  now: Date;
}

/** What a verifier may ask of the receiver. */
export interface WebhookContext {
  /** GETs a URL the verifier has checked against its settings; cached (signing certificates). */
  fetchCached(url: string): Promise<string>;
}

/**
 * A verified request: `dedupeKey` identifies the delivery (a provider's retry has the same one),
 * `confirmUrl` is fetched before answering (SNS subscription confirmation).
 */
export type WebhookVerdict =
  { ok: true; dedupeKey: string; confirmUrl?: string } | { ok: false; reason: string };

/**
 * A plug-in's webhook part: the settings class of the provider's `webhook:` block, the verifier
 * of the provider's own scheme over the raw bytes, and the mapper of a verified body onto
 * Mailover's event vocabulary (throws `WebhookPayloadError` when the body cannot be read).
 */
export interface ProviderWebhook<S extends object = object> {
  readonly settings: new () => S;
  verify(
    request: WebhookRequest,
    settings: S,
    context: WebhookContext,
  ): WebhookVerdict | Promise<WebhookVerdict>;
  parse(body: Buffer): ProviderEvent[];
  /** One line for the README: how a request is verified. */
  readonly scheme: string;
  /** One line for the README: what to set up at the provider (URL, events, key). */
  readonly setup: string;
}

/** Declares a webhook part with its settings type checked against its verifier. */
export function defineWebhook<S extends object>(webhook: ProviderWebhook<S>): ProviderWebhook {
  return webhook as unknown as ProviderWebhook;
}

/** Declares a plug-in with its options type checked against its factory. */
export function definePlugin<O extends ProviderConfig>(plugin: ProviderPlugin<O>): ProviderPlugin {
  return plugin as unknown as ProviderPlugin;
}
