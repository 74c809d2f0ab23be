// The patch model: what `git format-patch`, `git diff` and plain unified
// diffs have in common, reduced to what applying them in memory needs.

/** A problem with the patch input, said in one line (never a stack trace). */
/**
 * A one-line message about a patch that cannot be read or applied. Messages
 * quote the input, so control characters are shown escaped (a patch must not
 * be able to write to the user's terminal) and long quotes are cut.
 */
export class PatchError {
  readonly message: string;

  constructor(message: string) {
    const oneLine = message.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, (c) =>
      c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
    this.message = oneLine.length > 500 ? `${oneLine.slice(0, 497)}...` : oneLine;
  }
}

export function isPatchError(value: unknown): value is PatchError {
  return value instanceof PatchError;
}

export type HunkOp = ' ' | '-' | '+';

export interface HunkLine {
  op: HunkOp;
  /** The line without its op character and without its line ending. */
  text: string;
  /** Followed by `\ No newline at end of file`: this is the last line of its side. */
  noNewline?: boolean;
}

export interface Hunk {
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  /** `@@ -a,b +c,d @@` as written in the patch, for messages. */
  header: string;
  /** Text after the closing `@@` (usually the enclosing function). */
  section: string;
  lines: HunkLine[];
}

export type FileChange = 'modify' | 'add' | 'delete' | 'rename' | 'copy';

export interface FileDiff {
  /** Path before the change, prefix (a/) removed; null for a new file. */
  oldPath: string | null;
  /** Path after the change, prefix (b/) removed; null for a deleted file. */
  newPath: string | null;
  change: FileChange;
  /**
   * Came with a `diff --git` header: paths are exact. Plain diffs only say
   * which file to patch, so old and new names may legitimately differ
   * (`foo.c.orig` / `foo.c`) without meaning a rename.
   */
  git: boolean;
  /** Binary change (`Binary files ... differ` or `GIT binary patch`): not applied, reported as skipped. */
  binary: boolean;
  hunks: Hunk[];
}

export interface PatchCommit {
  /** Mail subject with the `[PATCH ...]` tag removed; absent for bare diffs. */
  subject?: string;
  author?: string;
  files: FileDiff[];
}

export interface ParsedPatch {
  /** Name of the input, for messages (`-` for stdin, a file name, a revision). */
  source: string;
  /** In application order; a bare diff is one commit without a subject. */
  commits: PatchCommit[];
  /** Subject of a cover letter (`[PATCH 0/N]`) when the series has one. */
  coverSubject?: string;
}

/** Where to read the content of files the patch touches (undefined: the file does not exist). */
export type FileSource = ReadonlyMap<string, string> | ((path: string) => string | undefined);

export interface SkippedFileDiff {
  file: string;
  reason: string;
}

export interface AppliedPatch {
  /** Content after the whole series for every path it touched; null: deleted (or renamed away). */
  after: Map<string, string | null>;
  /** Old and new paths of every applied file diff, in order of first appearance. */
  touched: string[];
  /** File diffs not applied (binary), with why. */
  skipped: SkippedFileDiff[];
}
