// Core summaries from the tree itself: a driver calls helpers of the
// (miniature) kernel core that take a lock inside; the cycle through them is
// found only when the core's source is read. server/test/tree/minikernel is a
// Kbuild tree of our own (include/linux/ and Kbuild mark its root).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { main } from '../src/cli/main';
import { findKernelRoot, findXenRoot, indexCore } from '../src/engine/tree';
import * as fs from 'node:fs';
import * as os from 'node:os';

const TREE = path.resolve(__dirname, '../../test/tree/minikernel');
const DRIVER = path.join(TREE, 'drivers/foo');

async function check(...flags: string[]): Promise<{ code: number; json: { findings: Array<{ rule: string; locks: string[]; functions: string[]; location: { file: string; line: number } }>; stats: { files: number } } }> {
  let out = '';
  const code = await main(['check', DRIVER, '--format', 'json', '--no-cache', ...flags], { stdout: (s) => { out += s; }, stderr: () => undefined });
  return { code, json: JSON.parse(out) };
}

test('the kernel root is found above the analysed driver', () => {
  assert.equal(findKernelRoot([DRIVER]), TREE);
  assert.equal(findKernelRoot([path.resolve(__dirname)]), undefined);
});

test('the core index names the files that define each function, static inline helpers in include/linux too', () => {
  const index = indexCore(TREE);
  assert.deepEqual(index.get('event_publish'), [path.join(TREE, 'kernel/events.c')]);
  assert.deepEqual(index.get('event_count_locked'), [path.join(TREE, 'include/linux/events.h')]);
  // asm-generic's names are each architecture's: lib/logic_iomem.c's ioremap is one configuration's, not looked up.
  assert.equal(index.get('ioremap'), undefined);
});

test('with tree summaries: the cycle through the core helpers is found, located in the driver', async () => {
  const { code, json } = await check();
  assert.equal(code, 1);
  assert.equal(json.stats.files, 1, 'core files are not counted as analysed files');
  assert.equal(json.findings.length, 1);
  const [f] = json.findings;
  assert.equal(f.rule, 'lock-order-inversion');
  assert.deepEqual([...f.locks].sort(), ['event_mutex', 'foo.lock']);
  assert.deepEqual([...f.functions].sort(), ['foo_dump', 'foo_update']);
  assert.equal(path.relative(TREE, f.location.file), 'drivers/foo/foo.c');
});

test('without tree summaries (or outside a kernel tree) the core is unknown and nothing is reported', async () => {
  const { code, json } = await check('--no-tree-summaries');
  assert.equal(code, 0);
  assert.equal(json.findings.length, 0);
});

const XEN = path.resolve(__dirname, '../../test/tree/minixen');

test('in a Xen hypervisor tree nothing sleeps: no sleep-in-atomic; the same driver outside it is reported', async () => {
  assert.equal(findXenRoot([path.join(XEN, 'drivers/passthrough')]), XEN);
  assert.equal(findXenRoot([DRIVER]), undefined);
  const run = async (dir: string): Promise<Array<{ rule: string }>> => {
    let out = '';
    await main(['check', dir, '--format', 'json', '--no-cache'], { stdout: (s) => { out += s; }, stderr: () => undefined });
    return (JSON.parse(out) as { findings: Array<{ rule: string }> }).findings;
  };
  assert.deepEqual(await run(path.join(XEN, 'drivers/passthrough')), []);
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-notxen-'));
  try {
    fs.copyFileSync(path.join(XEN, 'drivers/passthrough/iommu_ctx.c'), path.join(outside, 'iommu_ctx.c'));
    assert.deepEqual((await run(outside)).map((f) => f.rule), ['sleep-in-atomic']);
  } finally {
    fs.rmSync(outside, { recursive: true, force: true });
  }
});
