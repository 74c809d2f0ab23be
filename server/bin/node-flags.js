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
// analysed in-process, median 112 ms by default, 77-82 ms at 32-128 MB. The
// young generation is up to three semi-spaces of memory: a language server,
// which lives beside the editor for hours, takes the smallest size that gives
// the whole gain; a CLI run, the fastest. Extraction workers take at most 64 MB
// (engine/pool.ts, EXTRACT_SEMI_SPACE_MB: as fast, 170 MB less each).
const SEMI_SPACE_MB = { cli: 128, server: 32 };

/**
 * The flags to add to `execArgv` for a process of that kind, unless the caller
 * already chose a young generation size (in `execArgv`).
 */
function nodeFlags(kind, execArgv = process.execArgv) {
  if (execArgv.some((a) => /^--(max|min)-semi-space-size/.test(a))) return [];
  const mb = SEMI_SPACE_MB[kind];
  // The server's young generation has its size from the start: it does not grow under the
  // user's first edits (and its memory does not look like a leak as it fills).
  return kind === 'server' ? [`--min-semi-space-size=${mb}`, `--max-semi-space-size=${mb}`] : [`--max-semi-space-size=${mb}`];
}

module.exports = { nodeFlags };
