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

// The old generation's growth between full collections, for a CLI run. With a
// heap limit of gigabytes V8 lets the heap grow to up to four times what the
// last full collection kept (about 1.6 times at the end of `check drivers`:
// 3.6 GB of heap for 2.2 GB live), so a run's peak RSS is mostly garbage and
// varies by about a gigabyte with where the last full collection happened to
// fall (3.4 and 4.3 GB for the same build and input). At most a quarter more
// than was live: more collections, each of the live heap.
const HEAP_GROWING_PERCENT = { cli: 25 };

/**
 * The flags to add to `execArgv` for a process of that kind, unless the caller
 * already chose a young generation size (in `execArgv`).
 */
function nodeFlags(kind, execArgv = process.execArgv) {
  const growth = HEAP_GROWING_PERCENT[kind] !== undefined && !execArgv.some((a) => a.startsWith('--heap-growing-percent'))
    ? [`--heap-growing-percent=${HEAP_GROWING_PERCENT[kind]}`] : [];
  if (execArgv.some((a) => /^--(max|min)-semi-space-size/.test(a))) return growth;
  const mb = SEMI_SPACE_MB[kind];
  // The server's young generation has its size from the start: it does not grow under the
  // user's first edits (and its memory does not look like a leak as it fills).
  return kind === 'server' ? [`--min-semi-space-size=${mb}`, `--max-semi-space-size=${mb}`] : [`--max-semi-space-size=${mb}`, ...growth];
}

module.exports = { nodeFlags };
