// lockscope.server.checkPatch: which findings a patch (a text, or the working
// tree's changes against HEAD) introduces and fixes, for an editor panel.
// The patch is applied in memory by patch/command.ts's checkPatch; the tree
// is only read (and `git diff` run in it), never written. Every failure
// comes back as a one-line `error`, never as an exception.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Finding } from '../report/finding';
import { findingToJson } from '../report/json';
import { explainMarkdown } from '../report/explain';
import { checkPatch, type AnalyzeSources, type ReadFile } from '../patch/command';
import { analyzeSources } from '../engine/analyze';
import { CancelledError, type CancellationToken } from '../engine/api';
import { isPatchError } from '../patch/types';
import type { CheckPatchArgs, CheckPatchResult, PatchFinding } from '../protocol/messages';
import { toExplain, toLoc, type FileMap, type MarkdownRenderer } from './toProto';

export interface CheckPatchOptions {
  /** The server's workspace folder, used when the argument names no root. */
  root?: string;
  markdown?: MarkdownRenderer;
  /** The engine's analyzeSources; tests may pass another. */
  analyze?: AnalyzeSources;
  /** The request's cancellation: the analyses poll it. */
  token?: CancellationToken;
}

const WORKING_TREE = 'working tree';

function failed(source: string, error: string): CheckPatchResult {
  return { source, introduced: [], fixed: [], unchanged: 0, error };
}

const GIT_ENV = { LC_ALL: 'C', LANGUAGE: 'C', GIT_PAGER: 'cat', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' };

/** git in `root` (argument array, never a shell): its output, or its first error line. */
function git(root: string, args: string[]): { text: string } | { error: string } {
  try {
    const text = execFileSync('git', ['-C', root, ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'pipe', 'pipe'],
      // English messages, no pager or prompt, and no index refresh written by a read.
      env: { ...process.env, ...GIT_ENV },
    });
    return { text };
  } catch (e) {
    const failure = e as { code?: string; stderr?: string | Buffer; message?: string };
    if (failure.code === 'ENOENT') return { error: 'git: command not found' };
    const first = String(failure.stderr ?? '').split('\n').map((l) => l.trim()).find((l) => l !== '');
    return { error: `git: ${(first ?? failure.message ?? 'failed').replace(/^(fatal|error|warning): /i, '')}` };
  }
}

/** `git diff HEAD` of the working tree at `root`, paths relative to root; a one-line message on failure. */
export function workingTreeDiff(root: string): { text: string } | { error: string } {
  // Outside a repository `git diff` would compare paths instead (--no-index): ask first.
  const inside = git(root, ['rev-parse', '--is-inside-work-tree']);
  if ('error' in inside) return inside;
  if (inside.text.trim() !== 'true') return { error: `git: ${root} is not in a work tree` };
  const diff = git(root, [
    'diff', 'HEAD', '--no-ext-diff', '--no-color',
    // Paths relative to root even when it is a subfolder of the repository,
    // and a/ b/ whatever diff.noprefix or diff.mnemonicPrefix say.
    '--relative', '--src-prefix=a/', '--dst-prefix=b/', '--',
  ]);
  if ('error' in diff) return diff;
  if (diff.text.trim() === '') return { error: `no changes against HEAD in ${root}` };
  return diff;
}

/** Runs the check; never throws. */
export async function runCheckPatch(arg: unknown, opts: CheckPatchOptions = {}): Promise<CheckPatchResult> {
  const a = (arg && typeof arg === 'object' ? arg : {}) as Partial<CheckPatchArgs>;
  const workingTree = a.workingTree === true;
  const source = typeof a.source === 'string' && a.source ? a.source : workingTree ? WORKING_TREE : 'patch';
  try {
    const root = typeof a.root === 'string' && a.root ? a.root : opts.root;
    if (!root || !path.isAbsolute(root)) return failed(source, 'no workspace folder to check the patch against');
    let text: string;
    if (workingTree) {
      const diff = workingTreeDiff(root);
      if ('error' in diff) return failed(source, diff.error);
      text = diff.text;
    } else if (typeof a.patchText === 'string') text = a.patchText;
    else return failed(source, 'no patch given: pass patchText or workingTree');

    const base = opts.analyze ?? (analyzeSources as AnalyzeSources);
    const token = opts.token;
    // The engine runs synchronously between its stages: before each analysis, let
    // the connection read a $/cancelRequest so the token can say so.
    const analyze: AnalyzeSources = token
      ? async (files, o) => {
          // two turns of the loop: the second one after a poll phase, where the connection reads
          for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(resolve));
          if (token.isCancellationRequested) throw new CancelledError();
          return base(files, { ...o, token });
        }
      : base;
    const checked = await checkPatch({ patch: text, source, root, applied: workingTree }, analyze);
    if (isPatchError(checked)) return failed(source, checked.message);
    const { delta, versions } = checked;
    const markdown = opts.markdown ?? explainMarkdown;
    const entry = (read: ReadFile, version: PatchFinding['version']) => {
      const lines = new Map<string, string[] | undefined>();
      const files: FileMap = {
        uriOf: (file) => pathToFileURL(path.isAbsolute(file) ? file : path.join(root, file)).href,
        lineText: (file, line) => {
          if (!lines.has(file)) lines.set(file, read(file)?.split('\n'));
          return lines.get(file)?.[line]?.replace(/\r$/, '');
        },
      };
      return (f: Finding): PatchFinding => ({
        ...findingToJson(f),
        loc: toLoc(f.location, files),
        version,
        explanation: toExplain(f, files, markdown),
      });
    };
    return {
      source,
      introduced: delta.introduced.map(entry(versions.after, versions.alreadyApplied ? 'tree' : 'patched')),
      fixed: delta.fixed.map(entry(versions.before, versions.alreadyApplied ? 'unpatched' : 'tree')),
      unchanged: delta.unchanged,
      ...(versions.alreadyApplied && !workingTree ? { alreadyApplied: true } : {}),
      ...(versions.skipped.length ? { skipped: versions.skipped } : {}),
    };
  } catch (e) {
    const message = String((e as Error)?.message ?? e).split('\n')[0];
    return failed(source, `analysis failed: ${message}`);
  }
}
