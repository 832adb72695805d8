import { mkdir } from 'node:fs/promises';

/** Runs once before all test files: makes the folder where tests keep artifacts (screenshots, reports). */
export default async function setup(): Promise<void> {
  await mkdir('test-artifacts', { recursive: true });
}
