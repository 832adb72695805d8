/** Remembers environment variables now; the function returned puts them back (unsetting ones that were unset). */
export function saveEnv(...names: string[]): () => void {
  const saved = names.map((n) => [n, process.env[n]] as const);
  return () => {
    for (const [n, v] of saved) {
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
  };
}
