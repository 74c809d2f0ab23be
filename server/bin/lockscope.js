#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled TypeScript under server/out. A whole
// kernel tree's facts outgrow Node's default heap, so the launcher runs the
// CLI in a child with a heap sized to the machine (three quarters of memory,
// at most 16 GB) unless the caller already chose one, and the young generation
// of node-flags.js. `lsp` too: a language server holds a whole workspace.
const os = require('node:os');
const { spawn } = require('node:child_process');

const chosen = process.execArgv.some((a) => a.startsWith('--max-old-space-size'))
  || /--max-old-space-size/.test(process.env.NODE_OPTIONS || '') || process.env.LOCKSCOPE_NO_REEXEC === '1';
const { nodeFlags } = require('./node-flags.js');
const needsHeap = ['check', 'patch', 'explain', 'lsp'].includes(process.argv[2]);

if (!chosen && needsHeap) {
  const mb = Math.min(16384, Math.floor((os.totalmem() / 1048576) * 0.75));
  const child = spawn(process.execPath, [`--max-old-space-size=${mb}`, ...nodeFlags(process.argv[2] === 'lsp' ? 'server' : 'cli'), ...process.execArgv, __filename, ...process.argv.slice(2)], {
    stdio: 'inherit', env: { ...process.env, LOCKSCOPE_NO_REEXEC: '1' },
  });
  // A signal for the launcher is the child's too: an editor stopping its language server
  // signals the process it started, which is this one.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('error', (err) => {
    process.stderr.write(`lockscope: cannot start: ${err.message}\n`);
    process.exitCode = 3;
  });
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 3);
  });
} else {
  require('../out/src/cli/main.js').main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err) => { process.stderr.write(`lockscope: internal error: ${err && err.message ? err.message : err}\n`); process.exitCode = 3; },
  );
}
