import { isMinnowError, type MinnowError } from '../../src/errors.js';

/** The MinnowError a promise rejects with; fails the test if it resolves or rejects with anything else. */
export async function failure(p: Promise<unknown>): Promise<MinnowError> {
  try {
    await p;
  } catch (err) {
    if (isMinnowError(err)) return err;
    throw err;
  }
  throw new Error('expected a failure');
}
