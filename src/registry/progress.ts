import type { Digest } from '../oci/index.js';

/**
 * One step of a pull or push, per blob. A CLI renders these as per-layer bars on a TTY or as a line per step;
 * library code only calls the callback.
 */
export interface TransferProgress {
  direction: 'pull' | 'push';
  /** What the blob is. */
  kind: 'layer' | 'config' | 'manifest';
  digest: Digest;
  /** Bytes in the blob. */
  total: number;
  /** Bytes moved so far. */
  done: number;
  /**
   * `start` and `progress` while bytes move; `done` when confirmed; `exists` (push: already in the repository),
   * `mounted` (push: mounted from another repository), `cached` (pull: served from the local cache); `retry`
   * before another attempt.
   */
  status: 'start' | 'progress' | 'done' | 'exists' | 'mounted' | 'cached' | 'retry';
}

/** Receives transfer progress; called synchronously, so keep it cheap. */
export type ProgressCallback = (event: TransferProgress) => void;
