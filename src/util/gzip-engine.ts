/** The gzip header's OS byte minnow writes on every platform (3, Unix), so builds on macOS and Linux agree. */
export const GZIP_OS_UNIX = 3;

/**
 * What makes a member's bytes, for cache keys and layer keys: libdeflate (compiled to WebAssembly, shipped in
 * the npm package) deflates the same input the same way on every Node and every machine, where Node's own zlib
 * differs between Node releases. A new libdeflate.js must change this string (test/util/gzip-pool.test.ts).
 * Kept apart from gzip-member.ts so that naming it does not load the compressor (98 KB of JavaScript).
 */
export const GZIP_MEMBER_ENGINE = 'libdeflate.js 0.1.0';
