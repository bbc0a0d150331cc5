import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkRecordValue, encodeRdata, normalizeValue, sameValues } from './dns-rdata.js';
import { absoluteName, encodeName, isInZone } from './dns-name.js';
import { parseServer } from './dns-transport.js';

const fullIpv6 = fc
  .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 })
  .map((groups) => groups.map((g) => g.toString(16)).join(':'));

describe('record values on the wire', () => {
  it('encodes any IPv6 address to the same 16 bytes however it is written', () => {
    fc.assert(
      fc.property(fullIpv6, (full) => {
        const compressed = new URL(`http://[${full}]`).hostname.slice(1, -1);
        const bytes = encodeRdata('AAAA', full);
        expect(bytes).toHaveLength(16);
        expect(encodeRdata('AAAA', compressed)).toEqual(bytes);
        expect(normalizeValue('AAAA', compressed)).toBe(normalizeValue('AAAA', full));
      }),
    );
  });

  it('handles an embedded IPv4 tail and the all-zero address', () => {
    expect(encodeRdata('AAAA', '::ffff:192.0.2.1').toString('hex')).toBe('00000000000000000000ffffc0000201');
    expect(encodeRdata('AAAA', '::').toString('hex')).toBe('0'.repeat(32));
  });

  it('splits TXT values into strings of at most 255 bytes, and writes an empty TXT as one empty string', () => {
    const rdata = encodeRdata('TXT', 'a'.repeat(600));
    expect([rdata[0], rdata[256], rdata[512]]).toEqual([255, 255, 90]);
    expect(rdata).toHaveLength(603);
    expect(encodeRdata('TXT', '')).toEqual(Buffer.from([0]));
  });

  it('names what is wrong with a value', () => {
    expect(checkRecordValue('A', '192.0.2')?.message).toBe(
      "'192.0.2' is not a valid A value: expected an IPv4 address such as 192.0.2.10",
    );
    expect(checkRecordValue('AAAA', '192.0.2.1')?.message).toContain('expected an IPv6 address');
    expect(checkRecordValue('CNAME', 'bad name')?.message).toContain('expected a domain name');
    expect(checkRecordValue('CNAME', 'app.example.net.')).toBeUndefined();
  });

  it('compares value sets by meaning: order, case and trailing dots do not matter', () => {
    expect(sameValues('A', ['192.0.2.1', '192.0.2.2'], ['192.0.2.2', '192.0.2.1'])).toBe(true);
    expect(sameValues('CNAME', ['App.Example.NET.'], ['app.example.net'])).toBe(true);
    expect(sameValues('A', ['192.0.2.1'], ['192.0.2.1', '192.0.2.2'])).toBe(false);
    expect(sameValues('TXT', ['Hello'], ['hello'])).toBe(false);
  });
});

describe('names', () => {
  it('makes names absolute relative to the zone', () => {
    expect(absoluteName('www', 'example.com')).toBe('www.example.com');
    expect(absoluteName('@', 'Example.COM.')).toBe('example.com');
    expect(absoluteName('www.example.com', 'example.com')).toBe('www.example.com');
    expect(absoluteName('www.other.net.', 'example.com')).toBe('www.other.net');
    expect(isInZone('www.other.net', 'example.com')).toBe(false);
    expect(isInZone('notexample.com', 'example.com')).toBe(false);
  });

  it('rejects labels that cannot be encoded', () => {
    expect(() => encodeName('a..b')).toThrow("'a..b' is not a valid domain name");
    expect(() => encodeName(`${'x'.repeat(64)}.com`)).toThrow(
      `is not a valid domain name: label '${'x'.repeat(64)}'`,
    );
    expect(() => encodeName(`${'x'.repeat(63)}.`.repeat(5))).toThrow('longer than 255 bytes');
  });
});

describe('server addresses', () => {
  it('reads IP[:port], [v6]:port and dns:// URLs', () => {
    expect(parseServer('192.0.2.53')).toEqual({ host: '192.0.2.53', port: 53, label: '192.0.2.53:53' });
    expect(parseServer('127.0.0.1:5300')).toMatchObject({ port: 5300 });
    expect(parseServer('[::1]:5353')).toEqual({ host: '::1', port: 5353, label: '[::1]:5353' });
    expect(parseServer('::1')).toMatchObject({ host: '::1', port: 53 });
    expect(parseServer('dns://127.0.0.1:5300/')).toMatchObject({ host: '127.0.0.1', port: 5300 });
  });

  it('rejects names and bad ports with the expected format', () => {
    for (const bad of ['ns1.example.com', '127.0.0.1:0', '127.0.0.1:70000', '']) {
      expect(() => parseServer(bad)).toThrow('is not a DNS server address: expected IP[:port]');
    }
  });
});
