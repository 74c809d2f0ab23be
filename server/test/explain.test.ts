// `lockscope explain FILE:LINE` output, asserted against snapshots in
// server/test/witness/ (LOCKSCOPE_BLESS=1 rewrites them). One per rule, each
// from a fixture, through the CLI as a user runs it. Paths are relative to the
// repository so the snapshots do not depend on where it is checked out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { main } from '../src/cli/main';

const REPO = path.resolve(__dirname, '../../..');
const SNAPSHOTS = path.resolve(__dirname, '../../test/witness');

const CASES: Array<{ name: string; at: string; paths?: string[] }> = [
  { name: 'wait-under-lock', at: 'server/test/fixtures/wait-under-lock/evtchn_unbind.c:41', paths: ['server/test/fixtures/wait-under-lock/evtchn_unbind.c'] },
  { name: 'lock-order-inversion', at: 'examples/xen-vgic/irq.c:22', paths: ['examples/xen-vgic'] },
  { name: 'irq-inversion', at: 'server/test/fixtures/irq-inversion/hardirq_vs_process.c:28', paths: ['server/test/fixtures/irq-inversion/hardirq_vs_process.c'] },
  { name: 'recursive-lock', at: 'server/test/fixtures/recursive-lock/through_helper.c:19', paths: ['server/test/fixtures/recursive-lock/through_helper.c'] },
  { name: 'sleep-in-atomic', at: 'server/test/fixtures/sleep-in-atomic/sleeping_calls.c:77', paths: ['server/test/fixtures/sleep-in-atomic/sleeping_calls.c'] },
];

async function explain(at: string, paths: string[] = []): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const cwd = process.cwd();
  process.chdir(REPO);
  try {
    const code = await main(['explain', at, ...paths], { stdout: (s) => { out += s; }, stderr: (s) => { err += s; } });
    return { code, out, err };
  } finally {
    process.chdir(cwd);
  }
}

for (const c of CASES) {
  test(`explain ${c.name}: ${c.at}`, async () => {
    const { code, out, err } = await explain(c.at, c.paths);
    assert.equal(err, '');
    assert.equal(code, 0);
    const snapshot = path.join(SNAPSHOTS, `${c.name}.txt`);
    if (process.env.LOCKSCOPE_BLESS === '1') {
      fs.mkdirSync(SNAPSHOTS, { recursive: true });
      fs.writeFileSync(snapshot, out);
    }
    assert.equal(out, fs.readFileSync(snapshot, 'utf8'), `explain output changed; LOCKSCOPE_BLESS=1 npm test rewrites ${path.relative(REPO, snapshot)}`);
  });
}

test('explain at a line with no finding says so and exits 2', async () => {
  const { code, err } = await explain('server/test/fixtures/wait-under-lock/evtchn_unbind.c:1', ['server/test/fixtures/wait-under-lock/evtchn_unbind.c']);
  assert.equal(code, 2);
  assert.match(err, /^lockscope: no finding at server\/test\/fixtures\/wait-under-lock\/evtchn_unbind\.c:1 \(/);
});

test('explain of a line on the path (not the primary line) finds the finding', async () => {
  const { code, out } = await explain('server/test/fixtures/wait-under-lock/evtchn_unbind.c:16', ['server/test/fixtures/wait-under-lock/evtchn_unbind.c']);
  assert.equal(code, 0);
  assert.match(out, /^lockscope: wait-under-lock \[confirmed\] server\/test\/fixtures\/wait-under-lock\/evtchn_unbind\.c:41/);
});

test('a proof through a pointer target guessed by field name is held back, and --all says why', async () => {
  const file = 'server/test/fixtures/recursive-lock/untyped_pointer_call.c';
  const run = async (args: string[]): Promise<string> => {
    let out = '';
    const cwd = process.cwd();
    process.chdir(REPO);
    try {
      await main(['check', ...args, file], { stdout: (s) => { out += s; }, stderr: () => {} });
    } finally {
      process.chdir(cwd);
    }
    return out;
  };
  const byDefault = await run([]);
  assert.doesNotMatch(byDefault, /hk_recover\(\) takes/);
  assert.match(byDefault, /hk_recover_typed\(\) takes untyped_pointer_call\.c:hk_lock while already holding it/);
  const all = await run(['--all']);
  assert.match(all, /untyped_pointer_call\.c:32:8: warning: recursive-lock: hk_recover\(\) takes untyped_pointer_call\.c:hk_lock while already holding it \(through hk_reset\(\)\) \[unconfirmed\]/);
  assert.match(all, /note: the path calls through a function pointer matched by field name only \(hk_recover\(\) at line 32: calls hk_reset\(\) through ->reset\): the object's type is unknown/);
});

test('facts FILE DIR: contexts come from the whole directory; a directory alone is refused with a message', async () => {
  const dir = 'server/test/fixtures/irq-inversion/config_stub';
  const run = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const cwd = process.cwd();
    process.chdir(REPO);
    try {
      const code = await main(['facts', ...args], { stdout: (s) => { out += s; }, stderr: (s) => { err += s; } });
      return { code, out, err };
    } finally {
      process.chdir(cwd);
    }
  };
  const withDir = await run([`${dir}/udc_ep0.c`, dir]);
  assert.equal(withDir.code, 0, withDir.err);
  const facts = JSON.parse(withDir.out) as { functions: Array<{ name: string; file: string; contexts: Array<{ context: string; why: string }> }> };
  assert.deepEqual(facts.functions.map((f) => f.name).sort(), ['udc_ep0_irq', 'udc_giveback']);
  const ep0 = facts.functions.find((f) => f.name === 'udc_ep0_irq')!;
  assert.deepEqual(ep0.contexts.map((c) => c.context), ['hardirq']);
  assert.match(ep0.contexts[0].why, /called from udc_isr\(\) \(request_irq\(\) at .*udc_core\.c:16\)/);
  const alone = await run([dir]);
  assert.equal(alone.code, 2);
  assert.equal(alone.out, '');
  assert.match(alone.err, /^lockscope: .*config_stub: a directory; facts takes one C file/);
});
