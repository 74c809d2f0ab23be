// `--git REV` and `--git A..B`: the commits as a format-patch series, read
// with git itself (argument arrays, never a shell).
import { execFileSync } from 'node:child_process';
import { PatchError } from './types';

/**
 * One commit (`REV`) or a range (`A..B`, `A...B`) as `git format-patch`
 * text. format-patch rather than `git show`: it skips merges instead of
 * printing combined diffs, and gives the same mbox shape for one commit and
 * for many.
 */
export function gitRevisionsPatch(root: string, rev: string): string | PatchError {
  if (rev === '' || rev.startsWith('-')) return new PatchError(`not a revision: '${rev}'`);
  const selection = rev.includes('..') ? [rev] : ['-1', rev];
  const result = runGit(root, [
    'format-patch', '--stdout', '--no-color', '--no-signature', '--find-renames',
    // Explicit prefixes: a user's diff.noprefix or diff.mnemonicPrefix would change the paths.
    '--src-prefix=a/', '--dst-prefix=b/',
    ...selection, '--',
  ]);
  if (result instanceof PatchError) return result;
  if (result.trim() === '') return new PatchError(`no changes in ${rev} (empty range or merge commits only)`);
  return result;
}

function runGit(root: string, args: string[]): string | PatchError {
  try {
    return execFileSync('git', ['-C', root, ...args], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      stdio: ['ignore', 'pipe', 'pipe'],
      // English messages, and no pager or editor ever started.
      env: { ...process.env, LC_ALL: 'C', LANGUAGE: 'C', GIT_PAGER: 'cat', GIT_TERMINAL_PROMPT: '0' },
    });
  } catch (error) {
    return new PatchError(gitFailure(error));
  }
}

function gitFailure(error: unknown): string {
  const failure = error as { code?: string; stderr?: string | Buffer; message?: string };
  if (failure.code === 'ENOENT') return 'git: command not found';
  const stderr = String(failure.stderr ?? '');
  const firstLine = stderr.split('\n').map((line) => line.trim()).find((line) => line !== '');
  return `git: ${(firstLine ?? failure.message ?? 'failed').replace(/^(fatal|error): /, '')}`;
}
