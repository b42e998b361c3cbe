import { MAX_ATTEMPTS_SHOWN, webhookDeliveryView } from './webhook-delivery.view';

describe('webhookDeliveryView', () => {
  const t = (s: number) => new Date(Date.UTC(2030, 0, 1, 0, 0, s));
  const delivery = {
    id: 'msg_01JD0000000000000000000001',
    endpointId: 'app',
    type: 'email.sent',
    emailId: '01JD0000000000000000000001',
    tenant: 'acme',
    payload: '{"type":"email.sent","data":{}}',
    createdAt: t(0),
    status: 'pending' as const,
    attempts: 60,
    dueAt: t(120),
    updatedAt: t(60),
    lastStatus: 500,
    lastError: 'HTTP 500',
  };
  const attempts = Array.from({ length: 60 }, (_, i) => ({
    seq: i + 1,
    at: t(i),
    durationMs: 3,
    statusCode: 500,
    error: 'HTTP 500',
  }));

  it('shows the latest attempts only, with the count of all, and when a pending one is next tried', () => {
    const view = webhookDeliveryView(delivery, attempts);
    expect(view.attemptCount).toBe(60);
    expect(view.attempts).toHaveLength(MAX_ATTEMPTS_SHOWN);
    expect(view.attempts[0].at).toBe(t(60 - MAX_ATTEMPTS_SHOWN).toISOString());
    expect(view.attempts[MAX_ATTEMPTS_SHOWN - 1].at).toBe(t(59).toISOString());
    expect(view.nextAttemptAt).toBe(t(120).toISOString());
    expect(view.payload).toEqual({ type: 'email.sent', data: {} });
    expect(webhookDeliveryView({ ...delivery, status: 'failed' }, []).nextAttemptAt).toBeNull();
  });
});
