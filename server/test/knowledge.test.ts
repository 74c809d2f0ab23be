// Well-formedness of the measured subsystem rows (linux-subsystems.ts): every
// row is complete, no function name is defined twice across the Linux, Xen and
// subsystem tables, and every ops row names a unique (struct, field) with a
// valid context. A bad row fails here before the engine ever sees it.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LINUX_SUBSYSTEM_API, LINUX_OPS_ROWS } from '../src/kernel-api/linux-subsystems';
import { LINUX_API } from '../src/kernel-api/linux';
import { XEN_API } from '../src/kernel-api/xen';
import type { ApiRow, Context, LockMode } from '../src/kernel-api/types';
import { tableKey } from '../src/kernel-api/load';

const MODES: readonly LockMode[] = ['spin', 'read', 'write', 'mutex', 'rwsem-read', 'rwsem-write', 'sem', 'recursive'];
const CONTEXTS: readonly Context[] = ['process', 'softirq', 'hardirq'];
const IDENT = /^[A-Za-z_]\w*$/;
const CLASS = /^[A-Za-z_][\w.]*$/;

function validArgRef(a: unknown): boolean {
  return a === 'ret' || a === 'none' || (typeof a === 'number' && Number.isInteger(a) && a >= 0 && a < 8);
}

function problems(r: ApiRow): string[] {
  const p: string[] = [];
  if (!IDENT.test(r.fn)) p.push('fn is not an identifier');
  if (r.project !== 'linux') p.push('project is not linux');
  if (r.op === 'acquire' || r.op === 'release') {
    if (!MODES.includes(r.mode as LockMode)) p.push(`bad mode ${String(r.mode)}`);
    if (!validArgRef(r.lock)) p.push('bad lock argument');
    // The class comes from a fixed name or from an argument expression.
    if (r.cls === undefined && typeof r.lock !== 'number') p.push('neither cls nor a lock argument');
    if (r.cls !== undefined && !CLASS.test(r.cls)) p.push(`bad cls ${r.cls}`);
  }
  if (r.op === 'acquire') {
    if (r.irq !== undefined && !['off', 'save', 'bh-off'].includes(r.irq)) p.push('bad acquire irq');
    if (r.try && r.ok === undefined) p.push('trylock without ok');
    if (r.inside && r.try) p.push('inside rows cannot be trylocks');
    if (r.inside && r.cls === undefined) p.push('inside row without cls');
  }
  if (r.op === 'release' && r.irq !== undefined && !['on', 'restore', 'bh-on'].includes(r.irq)) p.push('bad release irq');
  return p;
}

test('every subsystem API row is well-formed', () => {
  assert.ok(LINUX_SUBSYSTEM_API.length >= 60, `only ${LINUX_SUBSYSTEM_API.length} rows`);
  const bad = LINUX_SUBSYSTEM_API.map((r) => [r.fn, problems(r)] as const).filter(([, p]) => p.length > 0);
  assert.deepEqual(bad, []);
});

test('the checker rejects malformed rows', () => {
  assert.notDeepEqual(problems({ fn: 'x', op: 'acquire', lock: 'none', mode: 'spin', project: 'linux' }), []);
  assert.notDeepEqual(problems({ fn: 'x', op: 'acquire', lock: 0, mode: 'bogus' as LockMode, project: 'linux' }), []);
  assert.notDeepEqual(problems({ fn: 'x y', op: 'release', lock: 0, mode: 'spin', project: 'linux' }), []);
  assert.deepEqual(problems({ fn: 'x', op: 'acquire', lock: 'none', mode: 'mutex', cls: 'rtnl_mutex', project: 'linux' }), []);
});

test('no function name is defined twice, nor shadows the primitive or Xen tables', () => {
  const seen = new Set<string>();
  const dup: string[] = [];
  for (const r of LINUX_SUBSYSTEM_API) {
    if (seen.has(r.fn)) dup.push(r.fn);
    seen.add(r.fn);
  }
  assert.deepEqual(dup, []);
  // Guard classes have their own namespace (guard(console_lock) is not console_lock()).
  const primitives = new Set([...LINUX_API, ...XEN_API].map(tableKey));
  assert.deepEqual([...seen].filter((fn) => primitives.has(fn)), []);
});

test('acquire/release pairs agree on class and mode', () => {
  const byName = new Map(LINUX_SUBSYSTEM_API.map((r) => [r.fn, r]));
  const pairs: Array<[string, string]> = [
    ['rtnl_lock', 'rtnl_unlock'], ['lock_sock', 'release_sock'], ['device_lock', 'device_unlock'],
    ['mmap_read_lock', 'mmap_read_unlock'], ['mmap_write_lock', 'mmap_write_unlock'], ['xa_lock_irqsave', 'xa_unlock_irqrestore'],
    ['cpus_read_lock', 'cpus_read_unlock'], ['console_lock', 'console_unlock'], ['wiphy_lock', 'wiphy_unlock'],
    ['netif_tx_lock_bh', 'netif_tx_unlock_bh'], ['write_seqlock_irqsave', 'write_sequnlock_irqrestore'],
    ['srcu_read_lock', 'srcu_read_unlock'], ['uart_port_lock_irqsave', 'uart_port_unlock_irqrestore'],
  ];
  for (const [a, b] of pairs) {
    const ra = byName.get(a);
    const rb = byName.get(b);
    assert.ok(ra && ra.op === 'acquire' && !ra.inside, `${a} is a holding acquire`);
    assert.ok(rb && rb.op === 'release', `${b} is a release`);
    assert.equal(ra.cls, rb.cls, `${a}/${b} class`);
    assert.equal(ra.mode, rb.mode, `${a}/${b} mode`);
  }
});

test('every lock a row leaves held has a row that releases it', () => {
  // A lock taken by a row and released only by a helper the table lacks stays held after the helper's call:
  // the helper's own body (a static inline of include/linux) is read only inside a kernel tree, and only
  // while the tree summaries' file budget lasts (lock_fb_info without unlock_fb_info kept fb_info.lock held).
  const rows = [...LINUX_API, ...LINUX_SUBSYSTEM_API, ...XEN_API];
  const released = (a: Extract<ApiRow, { op: 'acquire' }>): boolean => rows.some((r) => r.op === 'release'
    && r.project === a.project && (r.cls ?? '') === (a.cls ?? '') && (a.cls !== undefined || r.mode === undefined || r.mode === a.mode));
  const unpaired = rows.filter((r): r is Extract<ApiRow, { op: 'acquire' }> => r.op === 'acquire' && !r.inside && !released(r)).map((r) => r.fn);
  assert.deepEqual(unpaired, []);
});

test('helpers that lock inside the core are marked inside', () => {
  const byName = new Map(LINUX_SUBSYSTEM_API.map((r) => [r.fn, r]));
  const expect: Array<[string, string]> = [
    ['skb_queue_tail', 'sk_buff_head.lock'], ['wake_up', 'wait_queue_head.lock'], ['complete', 'completion.wait.lock'],
    ['xa_store', 'xarray'], ['queue_work', 'worker_pool.lock'], ['unregister_netdev', 'rtnl_mutex'],
  ];
  for (const [fn, cls] of expect) {
    const r = byName.get(fn);
    assert.ok(r && r.op === 'acquire' && r.inside === true && r.cls === cls, `${fn} takes ${cls} inside`);
  }
});

test('every ops row is unique and has a valid context', () => {
  assert.ok(LINUX_OPS_ROWS.length >= 40, `only ${LINUX_OPS_ROWS.length} ops rows`);
  const keys = new Set<string>();
  const bad: string[] = [];
  for (const o of LINUX_OPS_ROWS) {
    const key = `${o.structType}.${o.field}`;
    if (keys.has(key)) bad.push(`duplicate ${key}`);
    keys.add(key);
    if (!IDENT.test(o.structType) || !IDENT.test(o.field)) bad.push(`bad name ${key}`);
    if (!CONTEXTS.includes(o.ctx)) bad.push(`bad ctx ${key}`);
    if (o.project !== 'linux') bad.push(`bad project ${key}`);
    if (!o.caller) bad.push(`no caller ${key}`);
    for (const h of o.held ?? []) if (!CLASS.test(h)) bad.push(`bad held class ${key}: ${h}`);
    if (o.held && o.held.length === 0) bad.push(`empty held list ${key}`);
    // A hardirq callback is never called with bottom halves merely disabled.
    if (o.ctx === 'hardirq' && o.bhOff) bad.push(`hardirq with bhOff ${key}`);
  }
  assert.deepEqual(bad, []);
});

test('core facts the rows must keep', () => {
  const ops = new Map(LINUX_OPS_ROWS.map((o) => [`${o.structType}.${o.field}`, o]));
  assert.deepEqual(ops.get('net_device_ops.ndo_open')?.held, ['rtnl_mutex']);
  assert.equal(ops.get('net_device_ops.ndo_start_xmit')?.bhOff, true);
  assert.deepEqual(ops.get('platform_driver.probe')?.held, ['device.mutex']);
  assert.equal(ops.get('snd_pcm_ops.trigger')?.irqOff, true);
  assert.equal(ops.get('irq_chip.irq_mask')?.ctx, 'hardirq');
});
