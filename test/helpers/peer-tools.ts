import { access } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { exec } from './exec.js';

/**
 * The peer tools the tests compare minnow with, where scripts/setup-test-env.sh installs them: Go tools in
 * GOPATH/bin (install-go-tools.sh), Python tools in venvs under MINNOW_TOOLS_DIR (install-py-tools.sh). A
 * missing tool fails the test that needs it, naming the script that installs it.
 */
async function present(path: string, script: string): Promise<string> {
  await access(path).catch(() => {
    throw new Error(`${path} is missing: run scripts/${script} (scripts/setup-test-env.sh runs it)`);
  });
  return path;
}

export async function goBinTool(name: 'syft' | 'dive' | 'cosign' | 'oras'): Promise<string> {
  const gopath = (await exec('go', ['env', 'GOPATH'])).trim();
  return present(join(gopath, 'bin', name), 'install-go-tools.sh');
}

export function ntiaChecker(): Promise<string> {
  const tools = process.env.MINNOW_TOOLS_DIR ?? join(homedir(), '.cache', 'minnow-test-tools');
  return present(join(tools, 'ntia-venv', 'bin', 'ntia-checker'), 'install-py-tools.sh');
}
