import { describe, expect, it } from 'vitest';
import { splitNameTag } from '../../src/oci/index.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('splitNameTag', () => {
  it.each([
    ['alpine', { name: 'alpine' }],
    ['alpine:3.19', { name: 'alpine', tag: '3.19' }],
    ['docker.io/library/alpine:3.19', { name: 'docker.io/library/alpine', tag: '3.19' }],
    ['localhost:5000/app', { name: 'localhost:5000/app' }],
    ['localhost:5000/team/app:v1', { name: 'localhost:5000/team/app', tag: 'v1' }],
    [`alpine@${D}`, { name: 'alpine', digest: D }],
    [`alpine:3.19@${D}`, { name: 'alpine', tag: '3.19', digest: D }],
    [`registry:5000/app@${D}`, { name: 'registry:5000/app', digest: D }],
    [`registry:5000/app:v2@${D}`, { name: 'registry:5000/app', tag: 'v2', digest: D }],
    ['[::1]:5000/app', { name: '[::1]:5000/app' }],
    ['[::1]:5000/app:v1', { name: '[::1]:5000/app', tag: 'v1' }],
    // Layout directories: a colon before the last slash is part of the path.
    ['out/app:v1', { name: 'out/app', tag: 'v1' }],
    ['/a:b/c', { name: '/a:b/c' }],
    // Written as given; callers refuse what their grammar does not allow.
    ['app:', { name: 'app', tag: '' }],
    ['', { name: '' }],
    ['app@', { name: 'app', digest: '' }],
  ])('%s', (value, parts) => {
    expect(splitNameTag(value)).toEqual(parts);
  });
});
