/** Where one webhook to the application stands. */
export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** A delivery to store: one event for one endpoint. */
export interface NewWebhookDelivery {
  /** `msg_` + a ULID; the `webhook-id` of every attempt. */
  id: string;
  endpointId: string;
  type: string;
  emailId: string | null;
  tenant: string;
  /** The JSON body, exactly as it is sent and signed. */
  payload: string;
  /** Stored at, and first due at. */
  createdAt: Date;
}

export interface WebhookDelivery extends NewWebhookDelivery {
  status: WebhookDeliveryStatus;
  attempts: number;
  dueAt: Date;
  updatedAt: Date;
  lastStatus: number | null;
  lastError: string | null;
}

export interface WebhookAttempt {
  /** 1 for the first. */
  seq: number;
  at: Date;
  durationMs: number;
  /** The endpoint's HTTP status, or null when it gave none (timeout, connection refused). */
  statusCode: number | null;
  error: string | null;
}
