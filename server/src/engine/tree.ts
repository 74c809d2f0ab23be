// Core summaries from the tree itself. When the analysed paths sit inside a
// kernel tree (a Kbuild tree with include/linux/), the functions they call but
// do not define are looked up in the tree's core (kernel/, net/core/,
// drivers/base/, mm/, lib/, and static inline helpers in include/linux/) and
// the files defining them are extracted too, a few levels deep. Their facts
// inform summaries; they never become entry points or findings of their own.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileFacts, MacroDef } from '../extract/ir';
import { predicateTable } from '../extract/macros';
import type { ApiTable } from '../kernel-api/types';

/** Directories whose functions drivers call with locks taken inside. */
export const CORE_DIRS = ['kernel', 'net/core', 'drivers/base', 'mm', 'lib', 'include/linux', 'include/net'];

export interface TreeOptions {
  /** Levels of callees followed into the core (default 1: the helpers the analysed code calls directly). */
  depth?: number;
  /** Core files extracted at most (default 200). */
  maxFiles?: number;
}

/** The kernel tree an analysed path lies in: the nearest ancestor with include/linux/ and Kbuild. */
export function findKernelRoot(paths: readonly string[]): string | undefined {
  return nearestAncestor(paths, (dir) => fs.existsSync(path.join(dir, 'include', 'linux')) && fs.existsSync(path.join(dir, 'Kbuild')));
}

/** The Xen hypervisor tree an analysed path lies in: the nearest ancestor with include/xen/sched.h and common/. */
export function findXenRoot(paths: readonly string[]): string | undefined {
  return nearestAncestor(paths, (dir) => fs.existsSync(path.join(dir, 'include', 'xen', 'sched.h')) && fs.existsSync(path.join(dir, 'common')));
}

/** The nearest directory at or above any of the paths that `isRoot` accepts (32 levels at most). */
function nearestAncestor(paths: readonly string[], isRoot: (dir: string) => boolean): string | undefined {
  for (const p of paths) {
    let dir = path.resolve(p);
    try {
      if (!fs.statSync(dir).isDirectory()) dir = path.dirname(dir);
    } catch {
      continue;
    }
    for (let i = 0; i < 32; i++) {
      if (isRoot(dir)) return dir;
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return undefined;
}

/**
 * Function name -> files of the core that define it. Kernel style puts a
 * function's opening brace alone on the line after its head, which a line
 * scan finds without parsing 1,000+ files.
 */
export function indexCore(root: string): Map<string, string[]> {
  const index = new Map<string, string[]>();
  const HEAD = /^[A-Za-z_][^;=]*?\b([A-Za-z_]\w*)\s*\([^;]*$/;
  for (const rel of [...CORE_DIRS, ARCH_HOOKS_DIR]) {
    for (const file of walk(path.join(root, rel))) {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        continue;
      }
      const lines = text.split('\n');
      for (let i = 0; i + 1 < lines.length; i++) {
        const line = lines[i];
        if (line.length === 0 || line[0] === ' ' || line[0] === '\t' || line[0] === '#' || line[0] === '/' || line[0] === '*') continue;
        const m = HEAD.exec(line);
        if (!m) continue;
        // The head may wrap: find the line that opens the body.
        let j = i;
        while (j < lines.length - 1 && j - i < 6 && !lines[j].includes(')')) j++;
        if (lines[j + 1]?.trimEnd() !== '{' && !lines[j].trimEnd().endsWith('{')) continue;
        if (file.endsWith('.h') && !/\bstatic\b/.test(lines.slice(Math.max(0, i - 1), i + 1).join(' '))) continue;
        const list = index.get(m[1]) ?? [];
        if (!list.includes(file)) list.push(file);
        index.set(m[1], list);
      }
    }
  }
  // What asm-generic provides is each architecture's to define (ioremap, readl ...): a core
  // definition of the name is one configuration's (lib/logic_iomem.c is UML's), not the driver's.
  const archDir = path.join(root, ARCH_HOOKS_DIR);
  for (const [name, files] of index) if (files.some((f) => f.startsWith(archDir))) index.delete(name);
  return index;
}

/** Where the generic versions of architecture hooks live. */
const ARCH_HOOKS_DIR = 'include/asm-generic';

function* walk(dir: string, depth = 0): Generator<string> {
  if (depth > 12) return;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(full, depth + 1);
    else if (e.isFile() && (e.name.endsWith('.c') || e.name.endsWith('.h'))) yield full;
  }
}

/** Callees the facts name but define nowhere and the API table does not know. */
export function unresolvedCallees(facts: readonly FileFacts[], api: ApiTable): Set<string> {
  const defined = new Set<string>();
  for (const f of facts) for (const fn of f.functions) defined.add(fn.name);
  const out = new Set<string>();
  for (const f of facts) {
    for (const fn of f.functions) {
      for (const b of fn.blocks) {
        for (const ev of b.events) {
          if (ev.kind === 'call' && !ev.viaField && !defined.has(ev.callee) && !api.byName.has(ev.callee)) out.add(ev.callee);
        }
      }
    }
  }
  return out;
}

/**
 * Extract, level by level, the core files defining what the analysed code
 * calls. `extract` is the caller's extraction (in-process or the worker pool,
 * with the cache), so core facts are cached by content hash like any other.
 */
export async function addTreeSummaries(
  facts: FileFacts[], root: string, api: ApiTable,
  extract: (files: string[]) => Promise<FileFacts[]>, opts: TreeOptions = {},
): Promise<{ coreFiles: Set<string>; lookedUp: number; added: number; ms: number }> {
  const started = Date.now();
  const index = indexCore(root);
  const coreFiles = new Set<string>();
  const seen = new Set(facts.map((f) => path.resolve(f.file)));
  let frontier = facts;
  let lookedUp = 0;
  const maxFiles = opts.maxFiles ?? 200;
  for (let level = 0; level < (opts.depth ?? 1) && frontier.length > 0 && coreFiles.size < maxFiles; level++) {
    const wanted: string[] = [];
    for (const name of unresolvedCallees(level === 0 ? facts : [...facts, ...frontier], api)) {
      lookedUp++;
      for (const file of index.get(name) ?? []) {
        const abs = path.resolve(file);
        if (seen.has(abs) || wanted.includes(abs)) continue;
        if (coreFiles.size + wanted.length >= maxFiles) break;
        wanted.push(abs);
      }
    }
    if (wanted.length === 0) break;
    for (const w of wanted) seen.add(w);
    const added = await extract(wanted);
    for (const f of added) coreFiles.add(f.file);
    facts.push(...added);
    frontier = added;
  }
  return { coreFiles, lookedUp, added: coreFiles.size, ms: Date.now() - started };
}

/** Headers whose side-effect-free predicates (`uart_console(port)`) drivers test around their locks. */
const PREDICATE_DIRS = ['include/linux', 'include/net'];

/**
 * Add to `macros` the side-effect-free predicate macros and one-return static
 * inlines of the tree's headers (extract/macros.ts predicateTable), never over
 * a macro of the analysed files: a driver's `if (uart_console(port))
 * console_lock(); .. if (uart_console(port)) console_unlock();` pairs up as
 * the same test.
 */
export function addCorePredicates(macros: Map<string, MacroDef>, root: string, api: ApiTable): void {
  function* headers(): Generator<{ file: string; text: string }> {
    for (const rel of PREDICATE_DIRS) {
      for (const file of walk(path.join(root, rel))) {
        if (!file.endsWith('.h')) continue;
        try {
          yield { file, text: fs.readFileSync(file, 'utf8') };
        } catch { /* unreadable: no predicates from it */ }
      }
    }
  }
  for (const [name, m] of predicateTable(headers(), api)) if (!macros.has(name)) macros.set(name, m);
}
