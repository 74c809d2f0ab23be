// Input paths -> the C sources to analyse, each other file with a reason.
//
// Two kinds of check, kept apart so a whole-tree run reads each file once:
// - walkSources(): names, kinds and sizes (stat only): not C, too large,
//   unreadable, symlink leaving the root;
// - sniffContent(): the first bytes of a file already read (binary,
//   generated), called by whoever reads the file (the pool's workers).
// Order is deterministic: inputs in the order given, each directory's
// entries sorted by byte order of their names.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { SkippedFile } from './api';

export const DEFAULT_MAX_BYTES = 4 * 1024 * 1024;
/** Bytes inspected for a NUL (binary) and lines for a generated marker. */
export const SNIFF_BYTES = 8 * 1024;
const GENERATED_LINES = 15;

export const C_EXTENSIONS: readonly string[] = ['.c', '.h'];

export interface SourceEntry {
  /** Path as the user names it: the input path joined with the path under it. */
  file: string;
  /** Absolute path, for reading. */
  abs: string;
  size: number;
}

/** An input the user named that cannot be analysed at all: the CLI reports it as an error. */
export interface InputError {
  file: string;
  message: string;
}

export interface WalkOptions {
  /** Files above this size are skipped as "too large" (default 4 MB). */
  maxBytes?: number;
  /** Extensions taken when walking directories (default .c and .h). */
  extensions?: readonly string[];
}

export interface WalkResult {
  files: SourceEntry[];
  skipped: SkippedFile[];
  errors: InputError[];
}

export function isCFile(p: string, extensions: readonly string[] = C_EXTENSIONS): boolean {
  return extensions.includes(path.extname(p));
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function reasonOf(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'EACCES' || code === 'EPERM') return 'unreadable (permission denied)';
  if (code === 'ENOENT') return 'not found';
  if (code === 'ELOOP') return 'unreadable (symlink loop)';
  return `unreadable (${code ?? String(err)})`;
}

/**
 * Walk the input paths. A directory is walked recursively (hidden
 * directories such as .git are left out); a file named explicitly must be C,
 * else it is an InputError. Symlinks are followed only while they stay
 * inside the input's root; each real directory is visited once.
 * Never throws for a file or directory it cannot read: that becomes a reason.
 */
export function walkSources(inputs: readonly string[], opts: WalkOptions = {}): WalkResult {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
  const exts = opts.extensions ?? C_EXTENSIONS;
  const out: WalkResult = { files: [], skipped: [], errors: [] };
  const seenFiles = new Set<string>();

  // Each real directory is walked once, so a file can only be met twice
  // through a symlink to it or by being named twice: those callers pass its
  // real path; plain files in a walk are keyed by their path as is.
  const takeFile = (file: string, abs: string, st: fs.Stats, real: string = abs): void => {
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    if (st.size > maxBytes) {
      out.skipped.push({ file, reason: `too large (${st.size} bytes > ${maxBytes})` });
      return;
    }
    try {
      fs.accessSync(abs, fs.constants.R_OK);
    } catch (err) {
      out.skipped.push({ file, reason: reasonOf(err) });
      return;
    }
    out.files.push({ file, abs, size: st.size });
  };

  for (const input of inputs) {
    const absInput = path.resolve(input);
    let st: fs.Stats;
    try {
      st = fs.statSync(absInput);
    } catch (err) {
      out.errors.push({ file: input, message: reasonOf(err) });
      continue;
    }
    if (st.isFile()) {
      if (!isCFile(input, exts)) {
        out.errors.push({ file: input, message: `not a C file (expected ${exts.join(', ')})` });
        continue;
      }
      let real = absInput;
      try { real = fs.realpathSync(absInput); } catch { /* keep */ }
      takeFile(input, absInput, st, real);
      continue;
    }
    if (!st.isDirectory()) {
      out.errors.push({ file: input, message: 'not a regular file or directory' });
      continue;
    }
    let root = absInput;
    try { root = fs.realpathSync(absInput); } catch { /* keep */ }
    const visitedDirs = new Set<string>([root]);
    // Explicit stack, each directory's entries pushed in reverse sorted order
    // so that they pop in sorted order: a depth-first, deterministic walk.
    // Walked by real paths (the root resolved, symlinked directories entered
    // by their target), so that `abs` is a real path and dedupe is exact.
    const stack: Array<{ file: string; abs: string }> = [{ file: input, abs: root }];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      let names: string[];
      try {
        names = fs.readdirSync(dir.abs);
      } catch (err) {
        out.skipped.push({ file: dir.file, reason: reasonOf(err) });
        continue;
      }
      names.sort(byteOrder);
      const subdirs: Array<{ file: string; abs: string }> = [];
      for (const name of names) {
        const abs = path.join(dir.abs, name);
        const file = path.join(dir.file, name);
        let lst: fs.Stats;
        try {
          lst = fs.lstatSync(abs);
        } catch (err) {
          out.skipped.push({ file, reason: reasonOf(err) });
          continue;
        }
        let target = lst;
        let real = abs;
        if (lst.isSymbolicLink()) {
          try {
            real = fs.realpathSync(abs);
            target = fs.statSync(real);
          } catch (err) {
            if (isCFile(name, exts)) out.skipped.push({ file, reason: `broken symlink: ${reasonOf(err)}` });
            continue;
          }
          if (!isInside(root, real)) {
            if (target.isDirectory() || isCFile(name, exts)) {
              out.skipped.push({ file, reason: 'symlink leads outside the root' });
            }
            continue;
          }
          if (target.isDirectory()) {
            if (visitedDirs.has(real)) continue;
            visitedDirs.add(real);
          }
        }
        if (target.isDirectory()) {
          if (name.startsWith('.')) continue;
          if (!lst.isSymbolicLink()) {
            // A real directory also reached through a symlink: walk it once.
            if (visitedDirs.has(abs)) continue;
            visitedDirs.add(abs);
          }
          subdirs.push({ file, abs: real });
        } else if (target.isFile() && isCFile(name, exts)) {
          takeFile(file, abs, target, real);
        }
      }
      // A directory's own files first (name order), then its subdirectories
      // depth-first in name order: pushed reversed so they pop sorted.
      for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
    }
  }
  return out;
}

const GENERATED_PATTERNS: readonly RegExp[] = [
  /@generated\b/,
  /\bdo not edit\b/i,
  /(?<!partially )\b(?:auto-?generated|automatically generated|machine[- ]generated)\b/i,
  /\b(?:this|the) (?:file|header) (?:is|was|has been) (?:auto-?|automatically )?generated\b/i,
  /^[\s/*#]*generated (?:by|from|with)\b/i,
];

/**
 * Content checks on the first bytes of a file: a NUL within the first 8 KB
 * means binary; a marker in the first lines ("DO NOT EDIT", "auto-generated",
 * "This file is generated", "Generated by ...") means generated. Returns the
 * skip reason, or undefined when the file is to be analysed.
 */
export function sniffContent(buf: Uint8Array): string | undefined {
  const n = Math.min(buf.length, SNIFF_BYTES);
  for (let i = 0; i < n; i++) if (buf[i] === 0) return 'binary (NUL byte in the first 8 KB)';
  const head = Buffer.from(buf.buffer, buf.byteOffset, Math.min(n, 4096)).toString('latin1');
  const lines = head.split('\n', GENERATED_LINES);
  for (const line of lines) {
    for (const re of GENERATED_PATTERNS) {
      if (re.test(line)) return `generated (${line.trim().slice(0, 60)})`;
    }
  }
  return undefined;
}

/**
 * A source file read once and checked as the pool's workers check it: its text,
 * or why it is skipped (binary, generated). Throws when the file is unreadable.
 */
export function readSource(abs: string): { text: string; bytes: number } | { skipped: string } {
  const buf = fs.readFileSync(abs);
  const why = sniffContent(buf);
  return why ? { skipped: why } : { text: buf.toString('utf8'), bytes: buf.length };
}

/** Same as sniffContent, for text already decoded. */
export function sniffText(text: string): string | undefined {
  return sniffContent(Buffer.from(text.slice(0, SNIFF_BYTES), 'utf8'));
}
