#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled TypeScript under server/out. A whole
// kernel tree's facts outgrow Node's default heap, so the launcher runs the
// CLI in a child with a heap sized to the machine (three quarters of memory,
// at most 16 GB) unless the caller already chose one, and the young generation
// of node-flags.js. `lsp` too: a language server holds a whole workspace.
const os = require('node:os');
const { spawnSync } = require('node:child_process');

const chosen = process.execArgv.some((a) => a.startsWith('--max-old-space-size'))
  || /--max-old-space-size/.test(process.env.NODE_OPTIONS || '') || process.env.LOCKSCOPE_NO_REEXEC === '1';
const { nodeFlags } = require('./node-flags.js');
const needsHeap = ['check', 'patch', 'explain', 'lsp'].includes(process.argv[2]);

if (!chosen && needsHeap) {
  const mb = Math.min(16384, Math.floor((os.totalmem() / 1048576) * 0.75));
  const child = spawnSync(process.execPath, [`--max-old-space-size=${mb}`, ...nodeFlags(process.argv[2] === 'lsp' ? 'server' : 'cli'), ...process.execArgv, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit', env: { ...process.env, LOCKSCOPE_NO_REEXEC: '1' },
  });
  if (child.error) {
    process.stderr.write(`lockscope: cannot start: ${child.error.message}\n`);
    process.exitCode = 3;
  } else {
    process.exitCode = child.status ?? (child.signal ? 128 + (os.constants.signals[child.signal] ?? 0) : 3);
  }
} else {
  require('../out/src/cli/main.js').main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err) => { process.stderr.write(`lockscope: internal error: ${err && err.message ? err.message : err}\n`); process.exitCode = 3; },
  );
}
