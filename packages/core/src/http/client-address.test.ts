import { describe, expect, it } from 'vitest';
import { clientAddress, trustedSet } from './client-address.js';

const proxies = trustedSet(['10.0.0.1', '::1']);

describe('clientAddress', () => {
  it('is the peer when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientAddress('203.0.113.9', '198.51.100.7', trustedSet())).toBe('203.0.113.9');
  });

  it('reads IPv4-mapped IPv6 peers as IPv4', () => {
    expect(clientAddress('::ffff:203.0.113.9', null, proxies)).toBe('203.0.113.9');
  });

  it('takes the nearest untrusted hop behind a trusted proxy', () => {
    expect(clientAddress('10.0.0.1', '1.2.3.4, 198.51.100.7', proxies)).toBe('198.51.100.7');
    expect(clientAddress('::1', '198.51.100.7, 10.0.0.1', proxies)).toBe('198.51.100.7');
  });

  it('does not believe a hop the client wrote to the left of the real one', () => {
    expect(clientAddress('10.0.0.1', 'spoofed, 198.51.100.7', proxies)).toBe('198.51.100.7');
  });

  it('is the peer behind a trusted proxy that sent no X-Forwarded-For, and one key without a peer', () => {
    expect(clientAddress('10.0.0.1', null, proxies)).toBe('10.0.0.1');
    expect(clientAddress(undefined, '198.51.100.7', proxies)).toBe('unknown');
  });

  it('drops the port some proxies add, with or without brackets', () => {
    expect(clientAddress('10.0.0.1', '198.51.100.7:51234', proxies)).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.1', '[2001:db8::7]:443', proxies)).toBe('2001:db8:0:0::/64');
  });

  it('counts IPv6 clients by their /64, so one host cannot rotate addresses past a limit', () => {
    const none = trustedSet();
    expect(clientAddress('2001:db8:1:2:aaaa::1', null, none)).toBe('2001:db8:1:2::/64');
    expect(clientAddress('2001:db8:1:2:bbbb:cccc:dddd:eeee', null, none)).toBe('2001:db8:1:2::/64');
    expect(clientAddress('2001:db8:1:3::1', null, none)).toBe('2001:db8:1:3::/64');
    expect(clientAddress('::1', null, none)).toBe('0:0:0:0::/64');
    expect(clientAddress('64:ff9b::192.0.2.1', null, none)).toBe('64:ff9b:0:0::/64');
  });
});
