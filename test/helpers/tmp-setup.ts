import { afterAll } from 'vitest';
import { removeFileScopedTempDirs } from './tmp.js';

// A setup file runs in every test file's root suite, so this hook runs once that file's tests are done.
afterAll(removeFileScopedTempDirs);
