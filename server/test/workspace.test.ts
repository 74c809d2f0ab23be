// The language server's Workspace reuses facts and function summaries across
// edits. These tests pin that reuse never leaves a stale answer: a removed
// inversion disappears, a restored one comes back, and a callee moved down by
// an edit in another file is reported at its new line.
import { test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { Workspace } from '../src/engine/workspace';
import { SourceDocument } from '../src/engine/document';
import { mulberry32 } from '../scripts/prng';

const HELPERS = `struct bus { struct mutex lock; struct mutex cfg; int n; };

void bus_cfg_locked(struct bus *b)
{
	mutex_lock(&b->cfg);
	b->n++;
	mutex_unlock(&b->cfg);
}
`;

const USER_AB = `void bus_scan(struct bus *b)
{
	mutex_lock(&b->lock);
	bus_cfg_locked(b);
	mutex_unlock(&b->lock);
}

void bus_reset(struct bus *b)
{
	mutex_lock(&b->cfg);
	mutex_lock(&b->lock);
	b->n = 0;
	mutex_unlock(&b->lock);
	mutex_unlock(&b->cfg);
}
`;

const USER_FIXED = USER_AB.replace(`	mutex_lock(&b->cfg);
	mutex_lock(&b->lock);
	b->n = 0;
	mutex_unlock(&b->lock);
	mutex_unlock(&b->cfg);`, `	mutex_lock(&b->lock);
	b->n = 0;
	mutex_unlock(&b->lock);`);

function helperLine(findings: Awaited<ReturnType<Workspace['analyze']>>['findings']): number | undefined {
  return findings[0]?.related.find((r) => r.file === 'helpers.c' && r.message.includes('mutex_lock(&b->cfg)'))?.line;
}

test('edits: a removed inversion disappears, a restored one returns, a moved callee is reported at its new line', async () => {
  const ws = new Workspace();
  ws.setFile('helpers.c', HELPERS);
  ws.setFile('user.c', USER_AB);
  let r = await ws.analyze();
  assert.deepEqual(r.findings.map((f) => f.rule), ['lock-order-inversion']);
  assert.equal(helperLine(r.findings), 5);

  ws.setFile('user.c', USER_FIXED);
  r = await ws.analyze();
  assert.deepEqual(r.findings, [], 'the fixed version has no finding');

  ws.setFile('user.c', USER_AB);
  r = await ws.analyze();
  assert.equal(r.findings.length, 1, 'the inversion is back');

  // Three lines inserted above the callee: its lock is now on line 8.
  ws.setFile('helpers.c', HELPERS.replace('void bus_cfg_locked', '/*\n * Takes the configuration lock.\n */\nvoid bus_cfg_locked'));
  r = await ws.analyze();
  assert.equal(r.findings.length, 1);
  assert.equal(helperLine(r.findings), 8, 'the path names the callee at its new line');
});

test('a second analysis with nothing changed gives the same findings', async () => {
  const ws = new Workspace();
  ws.setFile('helpers.c', HELPERS);
  ws.setFile('user.c', USER_AB);
  const first = await ws.analyze();
  const second = await ws.analyze();
  assert.deepEqual(second.findings, first.findings);
});

test('a workspace rooted in a Xen hypervisor tree reports no sleep-in-atomic; the same file elsewhere does', async () => {
  const xen = path.resolve(__dirname, '../../test/tree/minixen');
  const text = fs.readFileSync(path.join(xen, 'drivers/passthrough/iommu_ctx.c'), 'utf8');
  const inXen = new Workspace({ root: xen });
  inXen.setFile('drivers/passthrough/iommu_ctx.c', text);
  assert.deepEqual((await inXen.analyze()).findings.map((f) => f.rule), []);
  const elsewhere = new Workspace();
  elsewhere.setFile('iommu_ctx.c', text);
  assert.deepEqual((await elsewhere.analyze()).findings.map((f) => f.rule), ['sleep-in-atomic']);
});

// An editor session: every edit re-parses incrementally, extraction lends the
// untouched functions their old IR, and calls and summaries are memoized by
// it. After each edit the answer must be exactly what a fresh workspace gives
// for the same texts.
test('incremental edits give the findings a fresh analysis of the same texts gives', { timeout: 240_000 }, async () => {
  await SourceDocument.ready();
  const root = path.resolve(__dirname, '../../test/fixtures');
  const files: string[] = [];
  for (const dir of ['lock-order-inversion', 'irq-inversion', 'wait-under-lock', 'recursive-lock', 'sleep-in-atomic']) {
    for (const name of fs.readdirSync(path.join(root, dir)).filter((n) => n.endsWith('.c')).sort().slice(0, 4)) {
      files.push(path.join(dir, name));
    }
  }
  const docs = new Map(files.map((f) => [f, SourceDocument.openSync(f, fs.readFileSync(path.join(root, f), 'utf8'))]));
  const ws = new Workspace();
  for (const [f, d] of docs) ws.setFile(f, d.text, d.tree);
  await ws.analyze();

  const view = (r: Awaited<ReturnType<Workspace['analyze']>>): string[] =>
    r.findings.map((x) => JSON.stringify([x.id, x.rule, x.location, x.message, x.related, x.confirmed]));
  const rand = mulberry32(20261124);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const kinds = new Map<string, number>();
  let reuses = 0;
  for (let step = 0; step < 120; step++) {
    const file = pick(files);
    const doc = docs.get(file)!;
    const lines = doc.text.split('\n');
    const body = lines.map((l, i) => (l.startsWith('\t') ? i : -1)).filter((i) => i >= 0);
    if (body.length === 0) continue;
    // Function heads at column 0: renaming one unlinks its callers, renaming it back links them again.
    const heads = lines.map((l, i) => (/^[a-z][\w\s*]*\b\w+\(/.test(l) && !l.trimEnd().endsWith(';') ? i : -1)).filter((i) => i >= 0);
    let line = pick(body);
    const kind = pick(['comment', 'statement', 'newline', 'delete', 'swap', 'rename', 'rename', 'copy', 'copy']);
    if (kind === 'rename') {
      if (heads.length === 0) continue;
      line = pick(heads);
    }
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    const at = (l: number, c: number): { line: number; character: number } => ({ line: l, character: c });
    let change: { range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string };
    switch (kind) {
      case 'comment': change = { range: { start: at(line, lines[line].length), end: at(line, lines[line].length) }, text: ' /* note */' }; break;
      case 'statement': change = { range: { start: at(line, 0), end: at(line, 0) }, text: `\tedit_helper_${step}();` }; break;
      case 'newline': change = { range: { start: at(line, 0), end: at(line, 0) }, text: '\n' }; break;
      case 'delete': change = { range: { start: at(line, 0), end: at(line + 1, 0) }, text: '' }; break;
      // Another body line in this one's place (a lock, a call, a registration moved): no line moves.
      case 'copy': change = { range: { start: at(line, 0), end: at(line, lines[line].length) }, text: lines[pick(body)] }; break;
      case 'rename': {
        const open = lines[line].indexOf('(');
        const renamed = lines[line].slice(0, open).endsWith('_x');
        change = renamed
          ? { range: { start: at(line, open - 2), end: at(line, open) }, text: '' }
          : { range: { start: at(line, open), end: at(line, open) }, text: '_x' };
        break;
      }
      default: {
        // Swap a line with the next one inside the body (reorders lock calls).
        const next = Math.min(line + 1, lines.length - 1);
        change = { range: { start: at(line, 0), end: at(next, lines[next].length) }, text: `${lines[next]}\n${lines[line]}` };
      }
    }
    doc.applyChanges([change], step + 1);
    ws.setFile(file, doc.text, doc.tree);
    let reused = 0;
    const incremental = await ws.analyze({ trace: (stage, data) => { if (stage === 'link') reused = data?.reused ?? 0; } });
    reuses += reused;
    const fresh = new Workspace();
    for (const [f, d] of docs) fresh.setFile(f, d.text);
    const expected = await fresh.analyze();
    assert.deepEqual(view(incremental), view(expected), `step ${step}: ${kind} at ${file}:${line + 1}`);
    assert.equal(incremental.stats.functions, expected.stats.functions);
    assert.equal(incremental.stats.lockSites, expected.stats.lockSites);
  }
  assert.ok(kinds.size === 7, `every kind of edit ran: ${[...kinds.keys()].join(', ')}`);
  // Edits that leave what linking reads alone keep the program and entries of the analysis before (engine/reuse.ts).
  assert.ok(reuses >= 30 && reuses <= 100, `the program was taken over after ${reuses} of 120 edits`);
});

test('a callee renamed away and back is linked again (call resolution memoized across edits)', async () => {
  await SourceDocument.ready();
  const helpers = SourceDocument.openSync('helpers.c', HELPERS);
  const user = SourceDocument.openSync('user.c', USER_AB);
  const ws = new Workspace();
  ws.setFile('helpers.c', helpers.text, helpers.tree);
  ws.setFile('user.c', user.text, user.tree);
  assert.deepEqual((await ws.analyze()).findings.map((f) => f.rule), ['lock-order-inversion']);
  const head = HELPERS.split('\n').findIndex((l) => l.startsWith('void bus_cfg_locked('));
  const open = 'void bus_cfg_locked'.length;
  helpers.applyChanges([{ range: { start: { line: head, character: open }, end: { line: head, character: open } }, text: '_old' }], 1);
  ws.setFile('helpers.c', helpers.text, helpers.tree);
  assert.deepEqual((await ws.analyze()).findings, [], 'bus_scan() calls nothing that takes cfg now');
  helpers.applyChanges([{ range: { start: { line: head, character: open }, end: { line: head, character: open + 4 } }, text: '' }], 2);
  ws.setFile('helpers.c', helpers.text, helpers.tree);
  assert.deepEqual((await ws.analyze()).findings.map((f) => f.rule), ['lock-order-inversion'], 'linked again');
});

// A function edited in place keeps its object (extract.adoptPrevious); a caller's resolved calls read
// the callee's body (what it calls through its parameters), so they must be made again.
test('a callee that starts calling the function it is handed makes its caller run that function (edited in place)', async () => {
  await SourceDocument.ready();
  const RUNNER = `struct bus { struct mutex lock; struct mutex cfg; int n; };

void bus_run(struct bus *b, void (*step)(struct bus *))
{
	b->n++;
}
`;
  const USER = `static DEFINE_MUTEX(bus_global);

static void bus_step_locked(struct bus *b)
{
	mutex_lock(&bus_global);
	b->n = 0;
	mutex_unlock(&bus_global);
}

void bus_user(struct bus *b)
{
	mutex_lock(&bus_global);
	bus_run(b, bus_step_locked);
	mutex_unlock(&bus_global);
}
`;
  const runner = SourceDocument.openSync('runner.c', RUNNER);
  const user = SourceDocument.openSync('user.c', USER);
  const ws = new Workspace();
  ws.setFile('runner.c', runner.text, runner.tree);
  ws.setFile('user.c', user.text, user.tree);
  assert.deepEqual((await ws.analyze()).findings, [], 'bus_run() does not call step yet');
  const line = RUNNER.split('\n').findIndex((l) => l === '\tb->n++;');
  runner.applyChanges([{ range: { start: { line, character: 0 }, end: { line, character: '\tb->n++;'.length } }, text: '\tstep(b);' }], 1);
  ws.setFile('runner.c', runner.text, runner.tree);
  const after = await ws.analyze();
  const call = USER.split('\n').findIndex((l) => l.includes('bus_run(b, bus_step_locked)')) + 1;
  assert.deepEqual(after.findings.map((f) => [f.rule, f.location.file, f.location.line]), [['recursive-lock', 'user.c', call]]);
});
