import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateSecret, signWebhook, webhookHeaders } from './signing.js';

const now = () => Math.floor(Date.now() / 1000);

describe('Standard Webhooks signing', () => {
  it('makes secrets whsec_<base64 of 32 random bytes>, each different', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(generateSecret()).not.toBe(secret);
  });

  it('matches the reference signature of the specification', () => {
    // The example of the Standard Webhooks reference libraries.
    expect(
      signWebhook({
        id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
        timestamp: 1614265330,
        body: '{"test": 2432232314}',
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      }),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('is accepted by the standardwebhooks library', () => {
    const secret = generateSecret();
    const body = JSON.stringify({ type: 'challenge.unlocked', data: { eventId: 'evt_1' } });
    const headers = webhookHeaders({ id: 'msg_1', timestamp: now(), body, secret });
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('is refused for a tampered body, another id, another secret or a stale timestamp', () => {
    const secret = generateSecret();
    const body = JSON.stringify({ type: 'challenge.unlocked', data: { amount: 5000 } });
    const headers = webhookHeaders({ id: 'msg_1', timestamp: now(), body, secret });
    const verifier = new Webhook(secret);
    expect(() => verifier.verify(body.replace('5000', '50000'), headers)).toThrow(
      WebhookVerificationError,
    );
    expect(() => verifier.verify(body, { ...headers, 'webhook-id': 'msg_2' })).toThrow(
      WebhookVerificationError,
    );
    expect(() => new Webhook(generateSecret()).verify(body, headers)).toThrow(
      WebhookVerificationError,
    );
    const stale = webhookHeaders({ id: 'msg_1', timestamp: now() - 3600, body, secret });
    expect(() => verifier.verify(body, stale)).toThrow(WebhookVerificationError);
  });

  it('refuses a secret with no key bytes', () => {
    expect(() => signWebhook({ id: 'm', timestamp: 1, body: '{}', secret: 'whsec_' })).toThrow(
      /key bytes/,
    );
  });
});
