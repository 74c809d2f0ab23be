#!/usr/bin/env node
'use strict';
// Thin launcher: the CLI is compiled TypeScript under server/out.
require('../out/src/cli/main.js').main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err) => { process.stderr.write(`lockscope: internal error: ${err && err.message ? err.message : err}\n`); process.exitCode = 3; },
);
