import { describe, expect, it } from 'vitest';
import { networkRangeOf } from './network.js';

describe('networkRangeOf', () => {
  it('groups IPv4 addresses by /24, mapped ones too', () => {
    expect(networkRangeOf('192.0.2.7')).toBe('192.0.2.0/24');
    expect(networkRangeOf('192.0.2.250')).toBe('192.0.2.0/24');
    expect(networkRangeOf('::ffff:192.0.2.9')).toBe('192.0.2.0/24');
    expect(networkRangeOf('192.0.3.1')).not.toBe(networkRangeOf('192.0.2.1'));
  });

  it('groups IPv6 addresses by /48, however they are written', () => {
    expect(networkRangeOf('2001:db8:abcd:12::1')).toBe('2001:0db8:abcd::/48');
    expect(networkRangeOf('2001:0DB8:ABCD:ffff:1:2:3:4')).toBe('2001:0db8:abcd::/48');
    expect(networkRangeOf('2001:db8::1')).toBe('2001:0db8:0000::/48');
    expect(networkRangeOf('::1')).toBe('0000:0000:0000::/48');
    expect(networkRangeOf('fe80::1%eth0')).toBe('fe80:0000:0000::/48');
  });

  it('answers null for what is no address', () => {
    expect(networkRangeOf('')).toBeNull();
    expect(networkRangeOf('localhost')).toBeNull();
    expect(networkRangeOf('300.1.1.1')).toBeNull();
  });
});
