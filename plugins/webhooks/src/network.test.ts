import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPrivateAddress, refuseEndpointUrl, sendWebhook } from './network.js';
import { startReceiver, type Receiver } from './testing/receiver.js';

describe('isPrivateAddress', () => {
  it.each([
    '127.0.0.1',
    '127.255.0.9',
    '10.0.0.1',
    '172.16.5.4',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    'fd00::1',
    'fe80::1',
    'ff02::1',
  ])('%s is private', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '172.32.0.1', '2a00:1450:4007:80e::200e', 'example.com'])(
    '%s is not',
    (address) => {
      expect(isPrivateAddress(address)).toBe(false);
    },
  );
});

describe('refuseEndpointUrl', () => {
  const production = { allowPrivateNetworks: false };

  it.each([
    ['http://127.0.0.1:6379/', /loopback or private/],
    ['http://2130706433/', /127\.0\.0\.1/],
    ['http://0x7f.1/', /127\.0\.0\.1/],
    ['http://[::1]:3000/hook', /loopback or private/],
    ['http://[::ffff:127.0.0.1]/', /loopback or private/],
    ['http://169.254.169.254/latest/meta-data', /169\.254\.169\.254/],
    ['https://10.1.2.3/hook', /loopback or private/],
    ['http://localhost:3000/', /localhost/],
    ['http://LOCALHOST./', /localhost/],
    ['http://api.localhost/', /localhost/],
    ['ftp://hooks.example.com/', /http\(s\)/],
    ['hooks.example.com/tandem', /absolute URL/],
  ])('refuses %s in production', (url, reason) => {
    expect(refuseEndpointUrl(url, production)).toMatch(reason);
  });

  it.each(['https://hooks.example.com/tandem', 'http://93.184.216.34:8080/x'])(
    'accepts %s',
    (url) => {
      expect(refuseEndpointUrl(url, production)).toBeNull();
    },
  );

  it('accepts private addresses only when allowed, and never another scheme', () => {
    const allowed = { allowPrivateNetworks: true };
    expect(refuseEndpointUrl('http://127.0.0.1:8080/hook', allowed)).toBeNull();
    expect(refuseEndpointUrl('http://localhost:8080/hook', allowed)).toBeNull();
    expect(refuseEndpointUrl('file:///etc/passwd', allowed)).toMatch(/http\(s\)/);
  });
});

describe('sendWebhook', () => {
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  const send = (
    path: string,
    options: { allowPrivateNetworks?: boolean; timeoutMs?: number } = {},
  ) =>
    sendWebhook({
      url: `${receiver.url}${path}`,
      headers: { 'webhook-id': 'msg_1' },
      body: '{"hello":"world"}',
      timeoutMs: options.timeoutMs ?? 2000,
      allowPrivateNetworks: options.allowPrivateNetworks ?? true,
    });

  it('POSTs the body as JSON and reports a 2xx with its response time', async () => {
    const result = await send('/ok');
    expect(result).toMatchObject({ statusCode: 200, error: null });
    expect(result.responseMs).toBeGreaterThanOrEqual(0);
    const [request] = receiver.received('/ok');
    expect(request?.body).toBe('{"hello":"world"}');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['webhook-id']).toBe('msg_1');
  });

  it('reports a non-2xx answer with the start of its body, and does not follow redirects', async () => {
    receiver.script('/boom', [500]);
    expect(await send('/boom')).toMatchObject({ statusCode: 500, error: 'HTTP 500: answer 500' });
    receiver.script('/moved', [302]);
    expect(await send('/moved')).toMatchObject({ statusCode: 302, error: /^HTTP 302/ });
  });

  it('gives up on a receiver that does not answer in time', async () => {
    receiver.script('/hang', ['hang']);
    const result = await send('/hang', { timeoutMs: 200 });
    expect(result).toMatchObject({ statusCode: null, error: 'timed out after 200 ms' });
    expect(result.responseMs).toBeGreaterThanOrEqual(190);
  });

  it('reports a refused connection', async () => {
    const closed = await startReceiver();
    const url = closed.url;
    await closed.close();
    const result = await sendWebhook({
      url: `${url}/gone`,
      headers: {},
      body: '{}',
      timeoutMs: 2000,
      allowPrivateNetworks: true,
    });
    expect(result.statusCode).toBeNull();
    expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it('refuses private addresses when they are not allowed, literal or resolved', async () => {
    const literal = await send('/guarded', { allowPrivateNetworks: false });
    expect(literal).toMatchObject({ statusCode: null, error: /127\.0\.0\.1 is a loopback/ });
    // A name is checked on the addresses it resolves to, at connection time.
    const port = new URL(receiver.url).port;
    const named = await sendWebhook({
      url: `http://localhost:${port}/guarded`,
      headers: {},
      body: '{}',
      timeoutMs: 2000,
      allowPrivateNetworks: false,
    });
    expect(named).toMatchObject({ statusCode: null, error: /localhost resolves to .*refused/ });
    expect(receiver.received('/guarded')).toHaveLength(0);
  });
});
