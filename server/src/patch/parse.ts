// Reads `git format-patch` series (mbox, optional cover letter), `git diff`
// output and plain unified diffs into the patch model. Pure: text in, model
// or a one-line PatchError out.
import { PatchError, type FileChange, type FileDiff, type Hunk, type HunkLine, type ParsedPatch, type PatchCommit } from './types';

/** The separator `git format-patch` (and mbox archives) put before every mail. */
const MBOX_SEPARATOR = /^From \S+ +[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4}$/;
const MAIL_HEADER = /^([A-Za-z][A-Za-z0-9-]*):[ \t]?(.*)$/;
const HUNK_HEADER = /^(@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@)(.*)$/;
/** `[PATCH 0/3]`, `[RFC PATCH v2 00/12]`: a cover letter, which carries no diff. */
const COVER_LETTER_TAG = /\[[^\]]*\b0+\/\d+\]/;
/** The line after a mail signature separator `-- `: the git version format-patch appends. */
const GIT_VERSION_LINE = /^\d+\.\d+/;

export function parsePatch(text: string, source = '<input>'): ParsedPatch | PatchError {
  const lines = splitPatchLines(text);
  const commits: PatchCommit[] = [];
  let coverSubject: string | undefined;
  let fileDiffCount = 0;
  for (const mail of splitMails(lines)) {
    const headers = readMailHeaders(lines, mail.start, mail.end);
    const files = parseFileDiffs(lines, headers.bodyStart, mail.end);
    if (files instanceof PatchError) return files;
    fileDiffCount += files.length;
    if (files.length === 0) {
      if (headers.rawSubject !== undefined && COVER_LETTER_TAG.test(headers.rawSubject)) {
        coverSubject = cleanSubject(headers.rawSubject);
      }
      continue;
    }
    const commit: PatchCommit = { files };
    if (headers.rawSubject !== undefined) commit.subject = cleanSubject(headers.rawSubject);
    if (headers.author !== undefined) commit.author = headers.author;
    commits.push(commit);
  }
  if (fileDiffCount === 0) return new PatchError(`not a patch: no diff found in ${source}`);
  const parsed: ParsedPatch = { source, commits };
  if (coverSubject !== undefined) parsed.coverSubject = coverSubject;
  return parsed;
}

/**
 * Lines without their endings. A patch whose every line ends in CRLF went
 * through a mailer or editor that converted it: drop the CRs. A patch with
 * only some CR-terminated lines is patching CRLF files: keep them.
 */
function splitPatchLines(text: string): string[] {
  const newlines = text.split('\n').length - 1;
  const crlfs = text.split('\r\n').length - 1;
  const normalized = newlines > 0 && crlfs === newlines ? text.replace(/\r\n/g, '\n') : text;
  const lines = normalized.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

interface LineRange {
  start: number;
  end: number;
}

function splitMails(lines: string[]): LineRange[] {
  const mails: LineRange[] = [];
  let start = 0;
  for (let i = 0; i < lines.length; i++) {
    if (!MBOX_SEPARATOR.test(lines[i])) continue;
    if (i > start) mails.push({ start, end: i });
    start = i + 1;
  }
  if (start < lines.length) mails.push({ start, end: lines.length });
  return mails;
}

interface MailHeaders {
  rawSubject?: string;
  author?: string;
  /** First line after the header block (the range start when there are no mail headers). */
  bodyStart: number;
}

/**
 * Reads RFC 822 style headers at the start of a range. Only a block that has
 * a Subject or From header counts as mail headers: a quilt patch may start
 * with `Index: file`, which is not one.
 */
function readMailHeaders(lines: string[], start: number, end: number): MailHeaders {
  const fields = new Map<string, string>();
  let last: string | undefined;
  let i = start;
  for (; i < end && lines[i] !== ''; i++) {
    const line = lines[i];
    if ((line.startsWith(' ') || line.startsWith('\t')) && last !== undefined) {
      fields.set(last, `${fields.get(last)} ${line.trim()}`);
      continue;
    }
    const header = MAIL_HEADER.exec(line);
    if (!header) return { bodyStart: start };
    last = header[1].toLowerCase();
    if (!fields.has(last)) fields.set(last, header[2].trim());
  }
  if (!fields.has('subject') && !fields.has('from')) return { bodyStart: start };
  const headers: MailHeaders = { bodyStart: i };
  const subject = fields.get('subject');
  const from = fields.get('from');
  if (subject !== undefined) headers.rawSubject = subject;
  if (from !== undefined) headers.author = from;
  return headers;
}

function cleanSubject(subject: string): string {
  return subject.replace(/^(\s*\[[^\]]*\])+\s*/, '').trim();
}

function displayName(file: Pick<FileDiff, 'oldPath' | 'newPath'>): string {
  return file.newPath ?? file.oldPath ?? '<unknown file>';
}

/** Cursor over one mail's lines while reading file diffs. */
interface Reader {
  lines: string[];
  i: number;
  end: number;
}

function parseFileDiffs(lines: string[], start: number, end: number): FileDiff[] | PatchError {
  const reader: Reader = { lines, i: start, end };
  const files: FileDiff[] = [];
  while (reader.i < end) {
    const line = lines[reader.i];
    let file: FileDiff | PatchError | undefined;
    if (line.startsWith('diff --git ')) {
      file = readGitFileDiff(reader);
    } else if (line.startsWith('diff --cc ') || line.startsWith('diff --combined ')) {
      return new PatchError(`${line.split(' ').slice(2).join(' ')}: combined diff of a merge commit is not supported`);
    } else if (isPlainFileHeader(reader, reader.i)) {
      file = readPlainFileDiff(reader);
    } else if (line.startsWith('@@ ') && files.length > 0) {
      // A hunk header with no file header before it: the previous hunk's
      // counts stopped short of its body.
      return hunkCountError(files[files.length - 1]);
    } else {
      reader.i++; // commit message, diffstat, `Index:` lines, signature
      continue;
    }
    if (file instanceof PatchError) return file;
    files.push(file);
  }
  return files;
}

function isPlainFileHeader(reader: Reader, at: number): boolean {
  return at + 1 < reader.end && reader.lines[at].startsWith('--- ') && reader.lines[at + 1].startsWith('+++ ');
}

function hunkCountError(file: FileDiff): PatchError {
  const index = file.hunks.length;
  if (index === 0) {
    return new PatchError(`${displayName(file)}: a hunk (@@) before the ---/+++ lines that name the file`);
  }
  const hunk = file.hunks[index - 1];
  return new PatchError(
    `${displayName(file)}: hunk #${index} (${hunk.header}) has more lines than its header counts`,
  );
}

function readGitFileDiff(reader: Reader): FileDiff | PatchError {
  const headerLine = reader.lines[reader.i];
  const names = splitGitDiffNames(headerLine.slice('diff --git '.length));
  let oldPath: string | null = names ? stripComponent(names[0]) : null;
  let newPath: string | null = names ? stripComponent(names[1]) : null;
  let change: FileChange = 'modify';
  let binary = false;
  let hunkedNames: { old: string | null; new: string | null } | undefined;
  reader.i++;
  for (; reader.i < reader.end; reader.i++) {
    const line = reader.lines[reader.i];
    if (line.startsWith('new file mode ')) change = 'add';
    else if (line.startsWith('deleted file mode ')) change = 'delete';
    else if (line.startsWith('rename from ')) [change, oldPath] = ['rename', unquotePath(line.slice(12))];
    else if (line.startsWith('rename to ')) [change, newPath] = ['rename', unquotePath(line.slice(10))];
    else if (line.startsWith('copy from ')) [change, oldPath] = ['copy', unquotePath(line.slice(10))];
    else if (line.startsWith('copy to ')) [change, newPath] = ['copy', unquotePath(line.slice(8))];
    else if (/^(old mode|new mode|similarity index|dissimilarity index|index) /.test(line)) continue;
    else if (line.startsWith('Binary files ')) {
      binary = true;
      reader.i++;
      break;
    } else if (line === 'GIT binary patch') {
      binary = true;
      skipBinaryPayload(reader);
      break;
    } else if (isPlainFileHeader(reader, reader.i)) {
      hunkedNames = { old: headerPath(line, true), new: headerPath(reader.lines[reader.i + 1], true) };
      reader.i += 2;
      break;
    } else break;
  }
  if (hunkedNames) {
    if (hunkedNames.old !== null) oldPath = hunkedNames.old;
    if (hunkedNames.new !== null) newPath = hunkedNames.new;
  }
  if (change === 'add') oldPath = null;
  if (change === 'delete') newPath = null;
  if (oldPath === null && newPath === null) {
    return new PatchError(`cannot tell which file this diff changes: ${headerLine}`);
  }
  const file: FileDiff = { oldPath, newPath, change, git: true, binary, hunks: [] };
  if (hunkedNames) {
    const hunks = readHunks(reader, file);
    if (hunks instanceof PatchError) return hunks;
  }
  return file;
}

/** A binary payload is base85 blocks (`literal N`/`delta N`) ended by blank lines; skip to the next file. */
function skipBinaryPayload(reader: Reader): void {
  reader.i++;
  while (reader.i < reader.end && !reader.lines[reader.i].startsWith('diff --git ')) reader.i++;
}

function readPlainFileDiff(reader: Reader): FileDiff | PatchError {
  const rawOld = headerPath(reader.lines[reader.i], false);
  const rawNew = headerPath(reader.lines[reader.i + 1], false);
  const [oldPath, newPath] = stripPlainPrefixes(rawOld, rawNew);
  reader.i += 2;
  const change: FileChange = oldPath === null ? 'add' : newPath === null ? 'delete' : 'modify';
  const file: FileDiff = { oldPath, newPath, change, git: false, binary: false, hunks: [] };
  const hunks = readHunks(reader, file);
  if (hunks instanceof PatchError) return hunks;
  // `diff -N` writes an epoch timestamp instead of /dev/null for created and removed files.
  if (file.change === 'modify' && file.hunks.length === 1) {
    const only = file.hunks[0];
    if (only.oldStart === 0 && only.oldCount === 0) file.change = 'add';
    else if (only.newStart === 0 && only.newCount === 0) file.change = 'delete';
  }
  return file;
}

/**
 * Plain diffs carry whatever prefix their maker used: `a/` `b/` (git,
 * quilt), `linux.orig/` `linux/` (diff -urN of two trees), or none. Strip
 * the first component only where the two names show it is a prefix.
 */
function stripPlainPrefixes(oldName: string | null, newName: string | null): [string | null, string | null] {
  const hasComponent = (name: string | null) => name !== null && name.includes('/');
  if (oldName !== null && newName !== null) {
    if (oldName === newName) return [oldName, newName];
    const prefixed = (oldName.startsWith('a/') && newName.startsWith('b/')) ||
      (hasComponent(oldName) && hasComponent(newName) && stripComponent(oldName) === stripComponent(newName));
    return prefixed ? [stripComponent(oldName), stripComponent(newName)] : [oldName, newName];
  }
  const only = oldName ?? newName;
  if (only !== null && (only.startsWith('a/') || only.startsWith('b/'))) {
    return [oldName === null ? null : stripComponent(oldName), newName === null ? null : stripComponent(newName)];
  }
  return [oldName, newName];
}

/** Name on a `--- ` / `+++ ` line without timestamp; null for /dev/null. */
function headerPath(line: string, git: boolean): string | null {
  let name = line.slice(4);
  if (name.startsWith('"')) name = unquotePath(name);
  else {
    const tab = name.indexOf('\t');
    if (tab >= 0) name = name.slice(0, tab);
    name = name.trimEnd();
  }
  if (name === '/dev/null') return null;
  return git ? stripComponent(name) : name;
}

function stripComponent(name: string): string {
  const slash = name.indexOf('/');
  return slash >= 0 ? name.slice(slash + 1) : name;
}

/**
 * `a/X b/Y` from a `diff --git` line. Names with spaces are ambiguous there,
 * so only splits where both sides name the same file (anything else is a
 * rename or copy, which names its paths on its own lines) or both are quoted.
 */
function splitGitDiffNames(rest: string): [string, string] | undefined {
  if (rest.startsWith('"')) {
    const first = readQuoted(rest);
    if (!first) return undefined;
    const second = rest.slice(first.length).trimStart();
    return [unquotePath(first), unquotePath(second)];
  }
  if (rest.endsWith('"')) {
    const open = rest.lastIndexOf(' "');
    if (open >= 0) return [rest.slice(0, open), unquotePath(rest.slice(open + 1))];
  }
  for (let space = rest.indexOf(' '); space >= 0; space = rest.indexOf(' ', space + 1)) {
    const oldName = rest.slice(0, space);
    const newName = rest.slice(space + 1);
    if (stripComponent(oldName) === stripComponent(newName)) return [oldName, newName];
  }
  return undefined;
}

/** The quoted string (with its quotes) at the start of `text`. */
function readQuoted(text: string): string | undefined {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return text.slice(0, i + 1);
  }
  return undefined;
}

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/** Git quotes names with unusual bytes C-style (`"a/caf\303\251.c"`); unquote to UTF-8. */
function unquotePath(name: string): string {
  if (!name.startsWith('"')) return name;
  const quoted = readQuoted(name) ?? name;
  const bytes: number[] = [];
  for (let i = 1; i < quoted.length - 1; i++) {
    const ch = quoted[i];
    if (ch !== '\\') {
      bytes.push(...Buffer.from(ch, 'utf8'));
      continue;
    }
    const next = quoted[++i];
    if (/[0-7]/.test(next)) {
      const octal = /^[0-7]{1,3}/.exec(quoted.slice(i))![0];
      bytes.push(parseInt(octal, 8));
      i += octal.length - 1;
    } else {
      bytes.push(SIMPLE_ESCAPES[next] ?? next.charCodeAt(0));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function readHunks(reader: Reader, file: FileDiff): void | PatchError {
  while (reader.i < reader.end && reader.lines[reader.i].startsWith('@@ ')) {
    const hunk = readHunk(reader, file, file.hunks.length + 1);
    if (hunk instanceof PatchError) return hunk;
    file.hunks.push(hunk);
  }
  // An added or removed line right after the counted body: the header undercounts.
  const next = reader.i < reader.end ? reader.lines[reader.i] : undefined;
  if (file.hunks.length > 0 && next !== undefined && (next.startsWith('+') || next.startsWith('-')) &&
    !isPlainFileHeader(reader, reader.i) && !isSignature(reader, reader.i)) {
    return hunkCountError(file);
  }
}

/** `-- ` followed by the git version (or nothing): the mail signature, not a removed line `- `. */
function isSignature(reader: Reader, at: number): boolean {
  return reader.lines[at] === '-- ' && (at + 1 >= reader.end || GIT_VERSION_LINE.test(reader.lines[at + 1]));
}

function readHunk(reader: Reader, file: FileDiff, number: number): Hunk | PatchError {
  const headerLine = reader.lines[reader.i];
  const match = HUNK_HEADER.exec(headerLine);
  if (!match) return new PatchError(`${displayName(file)}: hunk #${number} has a malformed header: ${headerLine}`);
  const count = (text: string | undefined) => (text === undefined ? 1 : Number(text));
  const hunk: Hunk = {
    oldStart: Number(match[2]),
    oldCount: count(match[3]),
    newStart: Number(match[4]),
    newCount: count(match[5]),
    header: match[1],
    section: match[6].trim(),
    lines: [],
  };
  reader.i++;
  const bodyStart = reader.i;
  let oldLeft = hunk.oldCount;
  let newLeft = hunk.newCount;
  const mismatch = () => {
    const body = countHunkBody(reader, bodyStart);
    return new PatchError(
      `${displayName(file)}: hunk #${number} (${hunk.header}) line counts do not match its body ` +
      `(${body.old} old, ${body.new} new lines)`,
    );
  };
  while (oldLeft > 0 || newLeft > 0) {
    if (reader.i >= reader.end || isSignature(reader, reader.i)) return mismatch();
    const line = reader.lines[reader.i];
    if (line.startsWith('\\')) {
      markNoNewline(hunk);
      reader.i++;
      continue;
    }
    const op = line === '' ? ' ' : line[0];
    if (op === ' ' && oldLeft > 0 && newLeft > 0) [oldLeft, newLeft] = [oldLeft - 1, newLeft - 1];
    else if (op === '-' && oldLeft > 0) oldLeft--;
    else if (op === '+' && newLeft > 0) newLeft--;
    else return mismatch();
    // An empty line stands for an empty context line whose space a mailer trimmed.
    hunk.lines.push({ op, text: line.slice(1) } as HunkLine);
    reader.i++;
  }
  if (reader.i < reader.end && reader.lines[reader.i].startsWith('\\')) {
    markNoNewline(hunk);
    reader.i++;
  }
  return hunk;
}

function markNoNewline(hunk: Hunk): void {
  const last = hunk.lines[hunk.lines.length - 1];
  if (last) last.noNewline = true;
}

/** Old and new line counts of the body starting at `from`, for the count mismatch message. */
function countHunkBody(reader: Reader, from: number): { old: number; new: number } {
  const counts = { old: 0, new: 0 };
  for (let i = from; i < reader.end; i++) {
    const line = reader.lines[i];
    if (line.startsWith('@@ ') || line.startsWith('diff --git ') || isPlainFileHeader(reader, i) || isSignature(reader, i)) break;
    const op = line === '' ? ' ' : line[0];
    if (op === ' ') [counts.old, counts.new] = [counts.old + 1, counts.new + 1];
    else if (op === '-') counts.old++;
    else if (op === '+') counts.new++;
    else if (op !== '\\') break;
  }
  return counts;
}
