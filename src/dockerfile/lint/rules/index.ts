import type { Rule } from '../types.js';
import { dockerignoreGit } from './context.js';
import { cgoDisabled, goStripped, goTrimpath } from './go.js';
import { absoluteWorkdir, copyNotAdd, noMaintainer, noSecretsInEnv, validExpose } from './instructions.js';
import { baseDigest, baseNotLatest, baseTagged } from './pinning.js';
import { apkPinned, aptPinned, goInstallPinned } from './packages.js';
import { noShellSymlink, pipefail, quotedVariables } from './shell-checks.js';
import { aptListsCleaned, aptNoRecommends, apkNoCache, consecutiveRun, noCd, noSudo } from './run.js';
import { copyFromKnownStage, copyFromSelf, uniqueStageName } from './stage-refs.js';
import { execForm, finalShell, finalUserNotRoot, multiStage, singleCmd, smallFinalBase } from './stages.js';

/** Every lint rule, in ID order. IDs are stable: a retired rule's ID is never reused. */
export const RULES: readonly Rule[] = [
  multiStage,
  cgoDisabled,
  smallFinalBase,
  finalUserNotRoot,
  execForm,
  baseTagged,
  baseNotLatest,
  baseDigest,
  copyNotAdd,
  dockerignoreGit,
  consecutiveRun,
  apkNoCache,
  aptListsCleaned,
  noSecretsInEnv,
  finalShell,
  goStripped,
  goTrimpath,
  aptNoRecommends,
  absoluteWorkdir,
  noMaintainer,
  singleCmd,
  noSudo,
  validExpose,
  aptPinned,
  apkPinned,
  copyFromKnownStage,
  copyFromSelf,
  uniqueStageName,
  noCd,
  goInstallPinned,
  noShellSymlink,
  pipefail,
  quotedVariables,
];
