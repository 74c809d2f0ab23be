'use strict';
// V8 flags every lockscope process that analyses starts with: the CLI's child
// (lockscope.js), the language server as the VS Code extension and other
// editors start it, and the stdio client of the tests and the benchmark.
//
// A larger young generation: summarizing makes millions of short-lived facts,
// and with V8's default 16 MB semi-spaces scavenges promote what would die a
// moment later. Measured on Linux 6.12: drivers/ with warm facts, 210 s of
// user CPU by default, 186 s at 32 MB, 158 s at 64 MB, 134 s at 128 MB (same
// findings); an edit of i40e_main.c with drivers/net/ethernet/intel indexed,
// analysed in-process, median 112 ms by default, 77-82 ms at 32-128 MB.
const YOUNG_GENERATION = '--max-semi-space-size=128';

/** The flags to add to `execArgv` unless the caller already chose a young generation size. */
function nodeFlags(execArgv = process.execArgv) {
  return execArgv.some((a) => a.startsWith('--max-semi-space-size')) ? [] : [YOUNG_GENERATION];
}

module.exports = { nodeFlags };
