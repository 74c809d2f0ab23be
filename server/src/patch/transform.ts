// Whole-patch helpers the patch command needs: which paths a patch names,
// and the patch that undoes it.
import type { FileChange, FileDiff, Hunk, HunkLine, ParsedPatch } from './types';

/** Every old and new path the patch names (binary ones too), in order, once each. */
export function touchedFiles(patch: ParsedPatch): string[] {
  const paths = new Set<string>();
  for (const commit of patch.commits) {
    for (const file of commit.files) {
      if (file.oldPath !== null) paths.add(file.oldPath);
      if (file.newPath !== null) paths.add(file.newPath);
    }
  }
  return [...paths];
}

const REVERSED_CHANGE: Record<FileChange, FileChange> = {
  modify: 'modify',
  add: 'delete',
  delete: 'add',
  rename: 'rename',
  // Undoing a copy removes the copy; its hunks are against the source, so they cannot check it.
  copy: 'delete',
};

/** The patch that undoes `patch`: commits and files in reverse order, sides swapped. */
export function reversePatch(patch: ParsedPatch): ParsedPatch {
  const commits = [...patch.commits].reverse().map((commit) => ({
    ...commit,
    files: [...commit.files].reverse().map(reverseFileDiff),
  }));
  return { ...patch, commits };
}

function reverseFileDiff(file: FileDiff): FileDiff {
  if (file.change === 'copy') {
    return { ...file, oldPath: file.newPath, newPath: null, change: 'delete', hunks: [] };
  }
  return {
    ...file,
    oldPath: file.newPath,
    newPath: file.oldPath,
    change: REVERSED_CHANGE[file.change],
    hunks: file.hunks.map(reverseHunk),
  };
}

const REVERSED_OP = { ' ': ' ', '-': '+', '+': '-' } as const;

function reverseHunk(hunk: Hunk): Hunk {
  const range = (start: number, count: number) => (count === 1 ? `${start}` : `${start},${count}`);
  return {
    oldStart: hunk.newStart,
    oldCount: hunk.newCount,
    newStart: hunk.oldStart,
    newCount: hunk.oldCount,
    header: `@@ -${range(hunk.newStart, hunk.newCount)} +${range(hunk.oldStart, hunk.oldCount)} @@`,
    section: hunk.section,
    lines: hunk.lines.map((line): HunkLine => ({ ...line, op: REVERSED_OP[line.op] })),
  };
}
