import { signWebhook, webhookHeaders } from './standard-webhooks';

describe('Standard Webhooks signing', () => {
  // The example of the Standard Webhooks reference libraries (standard-webhooks/libraries,
  // javascript/src/index.test.ts and python/standardwebhooks/tests).
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const timestamp = 1614265330;
  const body = '{"test": 2432232314}';

  it('matches the reference libraries’ signature for their example', () => {
    expect(signWebhook(secret, id, timestamp, body)).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it('gives the three headers, the timestamp in seconds', () => {
    expect(webhookHeaders(secret, id, timestamp, body)).toEqual({
      'webhook-id': id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('changes with any byte of the body', () => {
    expect(signWebhook(secret, id, timestamp, '{"test": 2432232315}')).not.toBe(
      signWebhook(secret, id, timestamp, body),
    );
  });
});
