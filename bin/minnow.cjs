#!/usr/bin/env node
// CommonJS, so `minnow --version` answers before Node starts its ES module loader (Node 20: 64 -> 56 ms, a
// bare start being 54); everything else is the ES module bundle, loaded as before.
'use strict';

const words = process.argv.slice(2);
if (words.length === 1 && (words[0] === '--version' || words[0] === '-V')) {
  process.stdout.write(`${require('../package.json').version}\n`);
} else {
  import('../dist/cli-bundle/main.js').then(async ({ main }) => {
    process.exitCode = await main(process.argv);
  });
}
