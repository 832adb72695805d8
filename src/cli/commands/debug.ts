import type { Command } from 'commander';
import { debugContainer, DEFAULT_TOOLBOX_IMAGE, type ToolboxStdio } from '../../debug/engine-toolbox.js';
import {
  kubectlDebugCommand,
  parsePodTarget,
  runKubectlDebug,
  type PodTarget,
} from '../../debug/kubectl-debug.js';
import { MinnowError } from '../../errors.js';
import { findKubectl } from '../../resolve/kubectl.js';
import { withSignals } from '../signals.js';

interface DebugFlags {
  image?: string;
  namespace?: string;
  container?: string;
  run?: boolean;
}

/** The terminal as the toolbox's stdio: a TTY in raw mode when stdin and stdout are terminals. */
function terminalStdio(command: string[]): { stdio: ToolboxStdio; restore: () => void } {
  const stdin = process.stdin;
  const tty = Boolean(stdin.isTTY && process.stdout.isTTY);
  // A command given without a terminal runs on its own (no stdin); a shell without one reads a piped script.
  const attachStdin = tty || command.length === 0;
  if (tty) stdin.setRawMode(true);
  return {
    stdio: {
      ...(attachStdin ? { stdin } : {}),
      stdout: process.stdout,
      stderr: process.stderr,
      tty,
      size: () => ({ rows: process.stdout.rows, columns: process.stdout.columns }),
      onResize: (listener) => {
        process.stdout.on('resize', listener);
        return () => process.stdout.off('resize', listener);
      },
    },
    restore: () => {
      if (tty) stdin.setRawMode(false);
      stdin.pause();
    },
  };
}

async function debugPod(pod: PodTarget, command: string[], flags: DebugFlags): Promise<void> {
  const image = flags.image ?? DEFAULT_TOOLBOX_IMAGE;
  const interactive = command.length === 0 || Boolean(process.stdin.isTTY && process.stdout.isTTY);
  if (!flags.run) {
    process.stdout.write(`${kubectlDebugCommand(pod, { image, command, interactive })}\n`);
    return;
  }
  const kubectl = await findKubectl();
  const code = await withSignals((signal) =>
    runKubectlDebug(pod, { kubectl, image, command, interactive, signal }),
  );
  process.exitCode = code;
}

async function run(target: string, command: string[], flags: DebugFlags): Promise<void> {
  const pod = parsePodTarget(target);
  if (pod) {
    await debugPod(
      {
        pod,
        ...(flags.namespace ? { namespace: flags.namespace } : {}),
        ...(flags.container ? { container: flags.container } : {}),
      },
      command,
      flags,
    );
    return;
  }
  if (flags.namespace || flags.container || flags.run) {
    throw new MinnowError('INVALID_ARGUMENT', '-n, --container and --run are for a pod target (pod/NAME)', {
      subject: target,
    });
  }
  const { stdio, restore } = terminalStdio(command);
  try {
    const result = await withSignals((signal) =>
      debugContainer({
        target,
        ...(flags.image ? { image: flags.image } : {}),
        ...(command.length ? { command } : {}),
        stdio,
        signal,
      }),
    );
    process.exitCode = result.exitCode;
  } finally {
    restore();
  }
}

/** Registers `minnow debug`. */
export function register(program: Command): void {
  program
    .command('debug')
    .description(
      'Open a toolbox beside a running container (shell-less images too): its processes, network and files at /proc/1/root',
    )
    .argument('<target>', 'a running container of the local Engine (name or id), or pod/NAME in Kubernetes')
    .argument('[command...]', 'run this in the toolbox instead of its shell (after --)')
    .option(
      '--image <ref>',
      `the toolbox image (default ${DEFAULT_TOOLBOX_IMAGE}; pulled by the Engine when missing)`,
    )
    .option('-n, --namespace <ns>', 'the pod’s namespace (pod/NAME)')
    .option('-c, --container <name>', 'the pod’s container to join (default its first)')
    .option('--run', 'pod/NAME: run the kubectl debug command instead of printing it')
    .action((target: string, command: string[], flags: DebugFlags) => run(target, command, flags));
}
