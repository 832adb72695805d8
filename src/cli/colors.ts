import picocolors from 'picocolors';

/**
 * Colors only for a person at a terminal: picocolors alone also turns them on whenever `CI` is set, which puts
 * escape codes into logs and into output other programs parse. FORCE_COLOR still forces them, NO_COLOR stops them.
 */
export function colorsEnabled(
  stream: { isTTY?: boolean } = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

/** The color functions the CLI uses. */
const pc = picocolors.createColors(colorsEnabled());
export default pc;
