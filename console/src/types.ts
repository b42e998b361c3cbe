/** The API's answers, as the console reads them (see src/http/*.view.ts). */
export interface Attempt {
  provider: string;
  outcome: string;
  providerStatus: number | null;
  errorCode: string | null;
  error: string | null;
  durationMs: number;
  at: string;
}

/** A provider event (delivered, bounced, opened...), present once the events API is merged. */
export interface EmailEvent {
  id?: string;
  type: string;
  bounce?: string;
  recipient?: string;
  provider?: string;
  providerId?: string;
  occurredAt?: string;
  at?: string;
  detail?: string;
}

export interface Email {
  id: string;
  status: string;
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  tags: string[];
  metadata: Record<string, string>;
  attachments: Array<{ filename: string; contentType: string; size: number }>;
  sendAt: string | null;
  createdAt: string;
  updatedAt: string;
  provider: string | null;
  providerMessageId: string | null;
  error: string | null;
  rounds: number;
  attempts?: Attempt[];
  events?: EmailEvent[];
}

export interface EmailPage {
  items: Email[];
  nextCursor: string | null;
}

export interface EmailContent {
  id: string;
  html: string | null;
  text: string | null;
  replyTo: string | null;
  headers: Record<string, string>;
  attachments: Array<{
    filename: string;
    contentType: string;
    size: number;
    contentId: string | null;
  }>;
}

export interface Provider {
  id: string;
  type: string;
  priority: number;
  weight: number;
  enabled: boolean;
  circuit: 'closed' | 'half-open' | 'open';
  health: 'up' | 'degraded' | 'down';
  suspect: boolean;
  recentSuccessRate: number | null;
  recentOutcomes: number;
  lastError: { kind: string; message: string; at: string } | null;
  lastSuccessAt: string | null;
}

/** An entry of the suppression list (the suppressions API, when this server has it). */
export interface Suppression {
  address?: string;
  email?: string;
  reason?: string;
  eventId?: string | null;
  emailId?: string | null;
  providerId?: string | null;
  createdAt?: string;
}

/** A webhook delivery to the application (the webhook API, when this server has it). */
export interface WebhookDelivery {
  id: string;
  endpoint: string;
  type: string;
  status: string;
  createdAt: string;
  attempts: Array<{
    at: string;
    durationMs: number;
    statusCode: number | null;
    error: string | null;
  }>;
}

/** GET /v1/stats: per-minute series by provider, latency, success and delivery rates. */
export interface ProviderStats {
  id: string;
  sent: number[];
  failed: number[];
  failovers: number[];
  totals: { sent: number; failed: number; failovers: number; skipped: number };
  successRate: number | null;
  latencyMs: { p50: number; p95: number; calls: number } | null;
}

export interface Stats {
  window: { from: string; to: string; minutes: number; bucketSeconds: number };
  providers: ProviderStats[];
  rates: {
    from: string;
    to: string;
    hours: number;
    sent: number;
    delivered: number;
    bounced: number;
    complained: number;
    bounceRate: number | null;
    complaintRate: number | null;
    warnings: { bounceRate: number; complaintRate: number };
  };
}
