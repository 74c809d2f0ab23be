// Applies a parsed patch in memory: exact context, no fuzz, but a hunk may
// be found away from its stated line when earlier edits moved the code, as
// `patch` and `git apply` allow. Never touches the disk.
import {
  PatchError,
  type AppliedPatch,
  type FileDiff,
  type FileSource,
  type Hunk,
  type HunkLine,
  type ParsedPatch,
} from './types';

export function applyPatch(files: FileSource, patch: ParsedPatch): AppliedPatch | PatchError {
  const readSource = typeof files === 'function' ? files : (path: string) => files.get(path);
  const after = new Map<string, string | null>();
  const skipped: AppliedPatch['skipped'] = [];
  // Later commits of a series see what earlier ones wrote.
  const read = (path: string): string | undefined => {
    if (after.has(path)) return after.get(path) ?? undefined;
    return readSource(path);
  };
  for (const commit of patch.commits) {
    for (const file of commit.files) {
      if (file.binary) {
        skipped.push({ file: file.newPath ?? file.oldPath ?? '', reason: 'binary change, not applied' });
        continue;
      }
      const error = applyFileDiff(file, read, after);
      if (error) return error;
    }
  }
  return { after, touched: [...after.keys()], skipped };
}

type Read = (path: string) => string | undefined;

function applyFileDiff(file: FileDiff, read: Read, after: Map<string, string | null>): PatchError | undefined {
  const { oldPath, newPath } = file;
  const mustNotExist = (path: string) =>
    read(path) !== undefined ? new PatchError(`${path}: already exists`) : undefined;
  const existing = (path: string): string | PatchError => read(path) ?? new PatchError(`${path}: no such file`);

  switch (file.change) {
    case 'add': {
      const clash = mustNotExist(newPath!);
      if (clash) return clash;
      const content = applyHunks('', file.hunks, newPath!);
      if (content instanceof PatchError) return content;
      after.set(newPath!, content);
      return;
    }
    case 'delete': {
      const old = existing(oldPath!);
      if (old instanceof PatchError) return old;
      const rest = applyHunks(old, file.hunks, oldPath!);
      if (rest instanceof PatchError) return rest;
      // A git deletion without hunks (an empty file, or a reversed copy) carries nothing to check.
      if (file.hunks.length > 0 && rest !== '') {
        return new PatchError(`${oldPath}: deleted file has lines the patch does not remove`);
      }
      after.set(oldPath!, null);
      return;
    }
    case 'rename':
    case 'copy': {
      const old = existing(oldPath!);
      if (old instanceof PatchError) return old;
      if (newPath !== oldPath) {
        const clash = mustNotExist(newPath!);
        if (clash) return clash;
      }
      const content = applyHunks(old, file.hunks, newPath!);
      if (content instanceof PatchError) return content;
      if (file.change === 'rename') after.set(oldPath!, null);
      after.set(newPath!, content);
      return;
    }
    case 'modify': {
      const target = modifiedPath(file, read);
      if (target instanceof PatchError) return target;
      const content = applyHunks(read(target)!, file.hunks, target);
      if (content instanceof PatchError) return content;
      after.set(target, content);
      return;
    }
  }
}

/** Git names the file exactly; a plain diff's two names are candidates, the new one preferred, as `patch` does. */
function modifiedPath(file: FileDiff, read: Read): string | PatchError {
  const candidates = file.git ? [file.newPath!] : [file.newPath!, file.oldPath!];
  const found = candidates.find((path) => read(path) !== undefined);
  return found ?? new PatchError(`${candidates[0]}: no such file`);
}

/** A file as lines, with what joining them back needs. */
interface FileLines {
  lines: string[];
  finalNewline: boolean;
  /** Lines were CRLF-terminated and the patch's are not: compare without the CR, add it back on output. */
  crlf: boolean;
}

function splitFile(content: string, hunks: readonly Hunk[]): FileLines {
  if (content === '') return { lines: [], finalNewline: true, crlf: false };
  const lines = content.split('\n');
  const finalNewline = lines[lines.length - 1] === '';
  if (finalNewline) lines.pop();
  const terminated = finalNewline ? lines : lines.slice(0, -1);
  const patchKeepsCr = hunks.some((hunk) => hunk.lines.some((line) => line.text.endsWith('\r')));
  const crlf = !patchKeepsCr && terminated.length > 0 && terminated.every((line) => line.endsWith('\r'));
  if (crlf) for (let i = 0; i < terminated.length; i++) lines[i] = lines[i].slice(0, -1);
  return { lines, finalNewline, crlf };
}

function joinFile(file: FileLines): string {
  if (file.lines.length === 0) return '';
  const eol = file.crlf ? '\r\n' : '\n';
  return file.lines.join(eol) + (file.finalNewline ? eol : '');
}

function applyHunks(content: string, hunks: readonly Hunk[], name: string): string | PatchError {
  if (hunks.length === 0) return content;
  const file = splitFile(content, hunks);
  // Offset of the working lines from the line numbers the patch was made against.
  let drift = 0;
  let earliest = 0;
  for (const [index, hunk] of hunks.entries()) {
    const oldSide = hunk.lines.filter((line) => line.op !== '+');
    const newSide = hunk.lines.filter((line) => line.op !== '-');
    const at = locateHunk(file, hunk, oldSide, drift, earliest);
    if (at === undefined) {
      return new PatchError(`${name}: hunk #${index + 1} (${hunk.header}) does not apply`);
    }
    const reachesEnd = at + oldSide.length === file.lines.length;
    file.lines.splice(at, oldSide.length, ...newSide.map((line) => line.text));
    if (reachesEnd) file.finalNewline = !newSide[newSide.length - 1]?.noNewline;
    drift = at - startIndex(hunk) + newSide.length - oldSide.length;
    earliest = at + newSide.length;
  }
  return joinFile(file);
}

/** Zero-based index of the hunk's first old line as the header states it. */
function startIndex(hunk: Hunk): number {
  // With no old lines the header names the line after which the new ones go.
  return hunk.oldCount === 0 ? hunk.oldStart : Math.max(0, hunk.oldStart - 1);
}

/**
 * Where the hunk's old side sits in the file: the matching position nearest
 * to where the header (shifted by earlier hunks) says, never before the end
 * of the previous hunk.
 */
function locateHunk(file: FileLines, hunk: Hunk, oldSide: HunkLine[], drift: number, earliest: number): number | undefined {
  const last = file.lines.length - oldSide.length;
  const expected = Math.min(Math.max(startIndex(hunk) + drift, earliest), Math.max(last, earliest));
  if (oldSide.length === 0) return expected <= file.lines.length ? expected : undefined;

  // Missing context on one side means the hunk sits at that end of the file.
  const leading = countContext(hunk.lines);
  const trailing = countContext([...hunk.lines].reverse());
  const hasContext = hunk.lines.some((line) => line.op === ' ');
  const atBeginning = hasContext && leading === 0 && hunk.oldStart <= 1;
  const atEnd = hasContext && trailing === 0;

  const fits = (at: number) =>
    at >= earliest && at <= last &&
    (!atBeginning || at === 0) && (!atEnd || at === last) &&
    matchesAt(file, oldSide, at);
  for (let distance = 0; expected - distance >= earliest || expected + distance <= last; distance++) {
    if (fits(expected - distance)) return expected - distance;
    if (distance > 0 && fits(expected + distance)) return expected + distance;
  }
  return undefined;
}

function countContext(lines: readonly HunkLine[]): number {
  let count = 0;
  while (count < lines.length && lines[count].op === ' ') count++;
  return count;
}

function matchesAt(file: FileLines, oldSide: readonly HunkLine[], at: number): boolean {
  for (let i = 0; i < oldSide.length; i++) {
    if (file.lines[at + i] !== oldSide[i].text) return false;
  }
  // The patch and the file must agree on whether the last line ends with a newline.
  const reachesEnd = at + oldSide.length === file.lines.length;
  const lastHasNoNewline = oldSide[oldSide.length - 1].noNewline === true;
  if (lastHasNoNewline) return reachesEnd && !file.finalNewline;
  return !(reachesEnd && !file.finalNewline);
}
