/**
 * Runs `task` over `items` with at most `limit` running at once; results in input order. On the first failure no
 * new item starts, and that failure is thrown once the running ones settle (so nothing is left running behind the
 * caller's back). A task that should stop its siblings early aborts them itself.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        results[i] = await task(items[i] as T, i);
      } catch (error) {
        failed ??= { error };
      }
    }
  };
  const n = Math.max(1, Math.min(Math.floor(limit) || 1, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  if (failed) throw failed.error;
  return results;
}
