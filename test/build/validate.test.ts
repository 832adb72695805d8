import { describe, expect, it } from 'vitest';
import {
  normalizePort,
  normalizeUser,
  normalizeWorkdir,
  parseKeyValues,
  parsePlatformList,
} from '../../src/build/validate.js';

describe('build option checks', () => {
  it('parses platform lists and refuses bad or repeated ones', () => {
    expect(parsePlatformList('linux/amd64, linux/arm/v7')).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ]);
    expect(() => parsePlatformList('linux/amd64,linux/amd64')).toThrow('platform linux/amd64 is given twice');
    expect(() => parsePlatformList('linux')).toThrow(/invalid platform "linux"/);
    expect(() => parsePlatformList('windows/amd64')).toThrow(/minnow builds linux images/);
    expect(() => parsePlatformList('linux/sparc')).toThrow(/unknown architecture/);
    expect(() => parsePlatformList(',')).toThrow(/invalid platform/);
  });

  it('normalizes users to numbers and refuses the rest', () => {
    expect(normalizeUser('65532')).toBe('65532:65532');
    expect(normalizeUser('1000:50')).toBe('1000:50');
    expect(normalizeUser('nonroot')).toBe('65532:65532');
    expect(normalizeUser('nobody:nonroot')).toBe('65534:65532');
    for (const bad of ['', 'bob', '1:2:3', '-1', '1:', '99999999999', 'root x']) {
      expect(() => normalizeUser(bad)).toThrow(/invalid --user/);
    }
  });

  it('normalizes ports and refuses out-of-range or malformed ones', () => {
    expect(normalizePort('8080')).toBe('8080/tcp');
    expect(normalizePort('53/udp')).toBe('53/udp');
    for (const bad of ['0', '65536', 'http', '80/icmp', '80-90', '']) {
      expect(() => normalizePort(bad)).toThrow(/invalid --port/);
    }
  });

  it('parses K=V and refuses names a shell could not use', () => {
    expect(parseKeyValues(['A=1', 'B_2=x=y', 'EMPTY='], '--env')).toEqual({ A: '1', B_2: 'x=y', EMPTY: '' });
    for (const bad of ['=1', 'NOVALUE', '1A=x', 'A-B=1', 'A B=1']) {
      expect(() => parseKeyValues([bad], '--env')).toThrow(`invalid --env "${bad}": want NAME=VALUE`);
    }
  });

  it('wants an absolute workdir', () => {
    expect(normalizeWorkdir('/srv//app/')).toBe('/srv/app/');
    expect(() => normalizeWorkdir('srv')).toThrow(/absolute/);
  });
});
