// The language server's Workspace reuses facts and function summaries across
// edits. These tests pin that reuse never leaves a stale answer: a removed
// inversion disappears, a restored one comes back, and a callee moved down by
// an edit in another file is reported at its new line.
import { test } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import assert from 'node:assert/strict';
import { Workspace } from '../src/engine/workspace';

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
