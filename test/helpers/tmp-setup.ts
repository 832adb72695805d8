import { afterAll } from 'vitest';
import { removeDaemonSpools } from '../../src/base/daemon.js';
import { removeFileScopedTempDirs } from './tmp.js';

// A setup file runs in every test file's root suite, so these hooks run once that file's tests are done: the
// file's temp dirs, and the archives `daemon:` reads spooled (the CLI, run in-process here, leaves them to
// process exit, which a vitest worker may never reach).
afterAll(async () => {
  await Promise.all([removeFileScopedTempDirs(), removeDaemonSpools()]);
});
