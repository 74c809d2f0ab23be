import { test, before, after } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyPatch, gitRevisionsPatch, isPatchError, parsePatch, type ParsedPatch } from '../src/patch';
import { fixtureTree, overlay } from './patch-fixtures';

const FROB = 'drivers/misc/frob';
// Isolated from the machine's git configuration (signing, hooks, default branch).
const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Frob Developer',
  GIT_AUTHOR_EMAIL: 'dev@frob.example',
  GIT_COMMITTER_NAME: 'Frob Developer',
  GIT_COMMITTER_EMAIL: 'dev@frob.example',
};

let tempRoot: string;
let repo: string;

function git(...args: string[]): string {
  return execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8', env: GIT_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
}

function writeTree(files: ReadonlyMap<string, string | null>): void {
  for (const [file, content] of files) {
    const full = path.join(repo, file);
    if (content === null) fs.rmSync(full, { force: true });
    else {
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, content);
    }
  }
}

function commitAll(message: string): void {
  git('add', '-A');
  git('commit', '-q', '-m', message);
}

/** The tracked text files at `rev`, read back from git. */
function treeAt(rev: string): Map<string, string> {
  const files = git('ls-tree', '-r', '--name-only', rev).split('\n').filter((file) => file !== '');
  return new Map(files.map((file) => [file, git('show', `${rev}:${file}`)]));
}

function revisionsOk(rev: string): ParsedPatch {
  const text = gitRevisionsPatch(repo, rev);
  if (isPatchError(text)) assert.fail(`unexpected error: ${text.message}`);
  const parsed = parsePatch(text, rev);
  if (isPatchError(parsed)) assert.fail(`unexpected error: ${parsed.message}`);
  return parsed;
}

function revisionsError(root: string, rev: string): string {
  const text = gitRevisionsPatch(root, rev);
  if (!isPatchError(text)) assert.fail('expected a PatchError');
  assert.ok(!text.message.includes('\n'), `one line: ${text.message}`);
  return text.message;
}

before(() => {
  tempRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-patch-git-'));
  repo = path.join(tempRoot, 'repo');
  fs.mkdirSync(repo);
  git('init', '-q');
  // Prefixes a user might configure; the helper must not depend on them.
  git('config', 'diff.noprefix', 'true');
  git('config', 'diff.mnemonicPrefix', 'true');

  const base = fixtureTree('before');
  writeTree(base);
  commitAll('frob: add the frobnicator driver');

  const firstChange = new Map(base).set(`${FROB}/frob.h`, fixtureTree('after-series').get(`${FROB}/frob.h`)!);
  writeTree(firstChange);
  commitAll('frob: document the queue lock');

  writeTree(new Map<string, string | null>([
    [`${FROB}/frob_irq.c`, null],
    [`${FROB}/frob_legacy.c`, null],
    ...fixtureTree('after-reorg'),
  ]));
  commitAll('frob: rename the irq file, add debugfs, drop legacy poke');
});

after(() => {
  fs.rmSync(tempRoot, { recursive: true, force: true });
});

test('--git REV: one commit as a one-mail series whose application gives the commit tree', () => {
  const patch = revisionsOk('HEAD');
  assert.deepEqual(patch.commits.map((commit) => commit.subject), ['frob: rename the irq file, add debugfs, drop legacy poke']);
  const changes = patch.commits[0].files.map((file) => [file.change, file.oldPath, file.newPath]);
  assert.deepEqual(changes, [
    ['add', null, `${FROB}/frob_debug.c`],
    ['rename', `${FROB}/frob_irq.c`, `${FROB}/frob_intr.c`],
    ['delete', `${FROB}/frob_legacy.c`, null],
  ]);
  const applied = applyPatch(treeAt('HEAD~1'), patch);
  if (isPatchError(applied)) assert.fail(applied.message);
  assert.deepEqual(overlay(treeAt('HEAD~1'), applied.after), treeAt('HEAD'));
});

test('--git A..B: every commit of the range, in order', () => {
  const patch = revisionsOk('HEAD~2..HEAD');
  assert.deepEqual(patch.commits.map((commit) => commit.subject), [
    'frob: document the queue lock',
    'frob: rename the irq file, add debugfs, drop legacy poke',
  ]);
  const applied = applyPatch(treeAt('HEAD~2'), patch);
  if (isPatchError(applied)) assert.fail(applied.message);
  assert.deepEqual(overlay(treeAt('HEAD~2'), applied.after), treeAt('HEAD'));
});

test('--git on the root commit creates every file', () => {
  const root = git('rev-list', '--max-parents=0', 'HEAD').trim();
  const patch = revisionsOk(root);
  assert.ok(patch.commits[0].files.every((file) => file.change === 'add'));
  const applied = applyPatch(new Map(), patch);
  if (isPatchError(applied)) assert.fail(applied.message);
  assert.deepEqual(applied.after, treeAt(root));
});

test('git failures become one-line PatchErrors', () => {
  assert.match(revisionsError(repo, 'no-such-branch'), /^git: .*no-such-branch/);
  assert.match(revisionsError(repo, 'HEAD~1..no-such-branch'), /^git: .*no-such-branch/);
  assert.match(revisionsError(tempRoot, 'HEAD'), /^git: not a git repository/);
  assert.equal(revisionsError(repo, '--output=/tmp/x'), "not a revision: '--output=/tmp/x'");
  assert.equal(revisionsError(repo, 'HEAD..HEAD'), 'no changes in HEAD..HEAD (empty range or merge commits only)');
});
