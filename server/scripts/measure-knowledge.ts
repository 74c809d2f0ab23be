// Measures, over a Linux tree, how often drivers/, sound/ and net/ call the
// subsystem lock helpers in LINUX_SUBSYSTEM_API and bind the ops callbacks in
// LINUX_OPS_ROWS, and prints the count tables of docs/knowledge.md.
//
//   node server/out/scripts/measure-knowledge.js /path/to/linux [--discover] [--top N]
//
// Calls: every `NAME (` in a .c file after comments and string literals are
// blanked, except definitions (a column-0 line of only type words before the
// name) and `#define NAME(`. Bindings: `.field = ident` at element depth in
// `struct TYPE name = {` / `struct TYPE name[] = {` initializers, counted when
// ident is a function defined somewhere in the scanned or core directories.
// --discover also lists core functions/macros whose own body calls a lock
// primitive, ranked by use, that the table does not have yet.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LINUX_SUBSYSTEM_API, LINUX_OPS_ROWS } from '../src/kernel-api/linux-subsystems';
import { LINUX_API } from '../src/kernel-api/linux';
import { XEN_API } from '../src/kernel-api/xen';
import type { ApiRow } from '../src/kernel-api/types';

const USE_DIRS = ['drivers', 'sound', 'net'];
/** Where helpers that lock inside the core are defined (for --discover and function names). */
const CORE_DIRS = [
  'include', 'kernel', 'lib', 'mm', 'block', 'fs', 'net/core', 'net/wireless', 'net/netlink',
  'net/mac80211', 'drivers/base', 'drivers/pci', 'drivers/usb/core', 'drivers/tty', 'sound/core',
  'sound/soc', 'drivers/gpu/drm/drm_', 'drivers/i2c', 'drivers/spi',
];

function walk(dir: string, exts: string[], out: string[]): void {
  let ents: fs.Dirent[];
  try { ents = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
  for (const e of ents) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, exts, out);
    else if (e.isFile() && exts.some((x) => e.name.endsWith(x))) out.push(p);
  }
}

function files(root: string, dirs: string[], exts: string[]): string[] {
  const out: string[] = [];
  for (const d of dirs) {
    const full = path.join(root, d);
    if (fs.existsSync(full) && fs.statSync(full).isDirectory()) walk(full, exts, out);
    else {
      // a prefix such as drivers/gpu/drm/drm_: files in that dir starting with it
      const parent = path.dirname(full);
      const base = path.basename(full);
      let ents: string[] = [];
      try { ents = fs.readdirSync(parent); } catch { /* absent */ }
      for (const n of ents) if (n.startsWith(base) && exts.some((x) => n.endsWith(x))) out.push(path.join(parent, n));
    }
  }
  return out;
}

/** Blank comments, string and char literals, keeping offsets and newlines. */
export function stripC(src: string): string {
  const out = src.split('');
  let i = 0;
  const n = src.length;
  const blank = (a: number, b: number) => { for (let k = a; k < b; k++) if (out[k] !== '\n') out[k] = ' '; };
  while (i < n) {
    const c = src[i];
    if (c === '/' && src[i + 1] === '*') {
      const e = src.indexOf('*/', i + 2);
      const end = e < 0 ? n : e + 2;
      blank(i, end); i = end;
    } else if (c === '/' && src[i + 1] === '/') {
      let e = src.indexOf('\n', i);
      if (e < 0) e = n;
      blank(i, e); i = e;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      blank(i + 1, Math.min(j, n)); i = j + 1;
    } else i++;
  }
  return out.join('');
}

const CALL = /\b([A-Za-z_]\w*)\s*\(/g;

function isDefinition(text: string, at: number): boolean {
  const ls = text.lastIndexOf('\n', at - 1) + 1;
  const prefix = text.slice(ls, at);
  if (/^\s*#\s*define\s+$/.test(prefix)) return true;
  return /^[A-Za-z_][\w\s*]*$/.test(prefix) && !/\b(return|else|do)\b/.test(prefix);
}

/** Names of functions defined (column-0 definitions) and macros in a stripped file. */
function definedNames(text: string, into: Set<string>): void {
  for (const m of text.matchAll(/^(?:[A-Za-z_][\w\s*]*?[\s*])?([A-Za-z_]\w*)\s*\([^;{]*\)\s*\{/gm)) into.add(m[1]);
  for (const m of text.matchAll(/^\s*#\s*define\s+([A-Za-z_]\w*)\(/gm)) into.add(m[1]);
}

const PRIMITIVE = /\b(spin_lock(?!_init)\w*|raw_spin_lock(?!_init)\w*|read_lock\w*|write_lock\w*|mutex_lock\w*|down_read\w*|down_write\w*|down|down_interruptible|local_lock\w*|write_seqlock\w*|read_seqlock_excl\w*|xa_lock\w*|rtnl_lock|percpu_down_\w+|cpus_read_lock|spin_lock_irqsave|__netif_tx_lock\w*)\s*\(/;

/** Core functions and macros whose own body calls a lock primitive: name -> that primitive. */
function lockingBodies(text: string, into: Map<string, string>): void {
  // functions: column-0 header ... `{` at column 0 or line end, body until `\n}`
  const re = /^(?:[A-Za-z_][\w\s*]*?[\s*])?([A-Za-z_]\w*)\s*\([^;{]*\)\s*\{/gm;
  for (const m of text.matchAll(re)) {
    const start = m.index! + m[0].length;
    const end = text.indexOf('\n}', start);
    const body = text.slice(start, end < 0 ? text.length : end);
    const p = PRIMITIVE.exec(body);
    if (p && !into.has(m[1])) into.set(m[1], p[1]);
  }
  for (const m of text.matchAll(/^\s*#\s*define\s+([A-Za-z_]\w*)\(((?:[^\n]*\\\n)*[^\n]*)/gm)) {
    const p = PRIMITIVE.exec(m[2]);
    if (p && p[1] !== m[1] && !into.has(m[1])) into.set(m[1], p[1]);
  }
}

export interface Binding { type: string; field: string; value: string }

/** `.field = ident` at element depth inside `struct TYPE name[...] = {` initializers. */
export function bindings(text: string, out: Binding[]): void {
  const re = /\bstruct\s+([A-Za-z_]\w*)\s+(?:__\w+\s+)*\**\s*[A-Za-z_]\w*\s*(\[[^\]=;]*\])?\s*(?:__\w+(?:\([^)]*\))?\s*)*=\s*\{/g;
  for (const m of text.matchAll(re)) {
    const type = m[1];
    const elemDepth = m[2] ? 2 : 1;
    let depth = 1;
    let i = m.index! + m[0].length;
    const fieldRe = /\.([A-Za-z_]\w*)\s*=\s*&?\s*([A-Za-z_]\w*)(?=\s*[,}])/y;
    while (i < text.length && depth > 0) {
      const c = text[i];
      if (c === '{') depth++;
      else if (c === '}') depth--;
      else if (c === '.' && depth === elemDepth) {
        fieldRe.lastIndex = i;
        const f = fieldRe.exec(text);
        if (f) { out.push({ type, field: f[1], value: f[2] }); i = fieldRe.lastIndex - 1; }
      }
      i++;
    }
  }
}

/** Callbacks bound by a registration call rather than a designated initializer. */
const VIA_CALL: Record<string, string[]> = {
  'urb.complete': ['usb_fill_bulk_urb', 'usb_fill_int_urb', 'usb_fill_control_urb'],
  'napi_struct.poll': ['netif_napi_add', 'netif_napi_add_weight', 'netif_napi_add_tx', 'netif_napi_add_tx_weight'],
  'timer_list.function': ['timer_setup'],
};

/** Measured waits and registrations the row types cannot express yet, and what they need. */
const NEEDS_TYPES: Array<[string[], string]> = [
  [['synchronize_rcu', 'synchronize_rcu_expedited', 'synchronize_net', 'rcu_barrier'], "WaitKind 'rcu' (waits for RCU readers / callbacks)"],
  [['call_rcu', 'kfree_rcu'], "RegisterRow what 'rcu' (callback runs in softirq)"],
  [['wait_for_completion', 'wait_for_completion_timeout', 'wait_for_completion_interruptible', 'wait_for_completion_interruptible_timeout'], "WaitKind 'completion' keyed by arg 0, signalled by complete()/complete_all()"],
  [['usb_kill_urb', 'usb_poison_urb', 'usb_kill_anchored_urbs'], "WaitKind 'urb' (waits for the urb's complete callback)"],
  [['usb_fill_bulk_urb', 'usb_fill_int_urb', 'usb_fill_control_urb'], "RegisterRow what 'urb', handlerArg 5 (6 for control), key 0"],
  [['napi_disable', 'napi_synchronize'], "WaitKind 'napi' (waits for a running poll)"],
  [['netif_napi_add', 'netif_napi_add_weight'], "RegisterRow what 'napi', ctx softirq, handlerArg 2, key 1"],
  [['debugfs_remove', 'debugfs_remove_recursive'], 'a wait for running debugfs file operations (like kernfs_node.active)'],
  [['pm_runtime_disable'], 'a wait for a running runtime-PM callback (rows only record dev_pm_info.lock)'],
];

function effect(r: ApiRow): string {
  if (r.op === 'acquire') return r.irq ?? '';
  if (r.op === 'release') return r.irq ?? '';
  if (r.op === 'irq') return r.effect;
  return '';
}

function main(argv: string[]): number {
  const root = argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--top' && argv[i - 1] !== '--count');
  if (!root || !fs.existsSync(path.join(root, 'include/linux'))) {
    process.stderr.write('usage: measure-knowledge <linux-tree> [--discover] [--top N]\n');
    return 2;
  }
  const topIx = argv.indexOf('--top');
  const top = topIx >= 0 ? Number(argv[topIx + 1]) : 80;
  const discover = argv.includes('--discover');
  const countIx = argv.indexOf('--count');
  const extra = countIx >= 0 ? argv[countIx + 1].split(',').filter(Boolean) : [];

  const uses = new Map<string, number>();
  const allBindings: Binding[] = [];
  const fnNames = new Set<string>();
  const useFiles = files(root, USE_DIRS, ['.c']);
  for (const f of useFiles) {
    const text = stripC(fs.readFileSync(f, 'latin1'));
    for (const m of text.matchAll(CALL)) {
      if (isDefinition(text, m.index!)) continue;
      uses.set(m[1], (uses.get(m[1]) ?? 0) + 1);
    }
    definedNames(text, fnNames);
    bindings(text, allBindings);
  }
  const candidates = new Map<string, string>();
  for (const f of files(root, CORE_DIRS, ['.c', '.h'])) {
    const text = stripC(fs.readFileSync(f, 'latin1'));
    definedNames(text, fnNames);
    if (discover) lockingBodies(text, candidates);
  }

  const out: string[] = [];
  out.push(`Tree: ${path.resolve(root)}; ${useFiles.length} .c files under ${USE_DIRS.join(', ')}.`, '');
  out.push('### Subsystem lock helpers (LINUX_SUBSYSTEM_API)', '');
  out.push('| function | uses | op | class | mode | irq/bh | doc |', '|---|---:|---|---|---|---|---|');
  const rows = [...LINUX_SUBSYSTEM_API].sort((a, b) => (uses.get(b.fn) ?? 0) - (uses.get(a.fn) ?? 0) || a.fn.localeCompare(b.fn));
  for (const r of rows) {
    const cls = r.op === 'acquire' || r.op === 'release' ? (r.cls ?? `arg ${String(r.lock)}`) : r.op === 'wait' ? `wait:${r.what}` : '';
    const mode = r.op === 'acquire' || r.op === 'release' ? (r.mode ?? '') : '';
    const op = r.op === 'acquire' && r.inside ? 'inside' : r.op;
    out.push(`| \`${r.fn}\` | ${uses.get(r.fn) ?? 0} | ${op} | ${cls} | ${mode} | ${effect(r)} | ${r.doc ?? ''} |`);
  }

  const pairs = new Map<string, number>();
  for (const b of allBindings) {
    if (!fnNames.has(b.value)) continue;
    const k = `${b.type}.${b.field}`;
    pairs.set(k, (pairs.get(k) ?? 0) + 1);
  }
  const ops = new Map(LINUX_OPS_ROWS.map((o) => [`${o.structType}.${o.field}`, o]));
  out.push('', '### Ops callbacks (LINUX_OPS_ROWS)', '');
  out.push('| struct.field | uses | context | irq/bh off | locks held by the core | caller |', '|---|---:|---|---|---|---|');
  const opsUses = (k: string) => VIA_CALL[k] ? VIA_CALL[k].reduce((a, f) => a + (uses.get(f) ?? 0), 0) : (pairs.get(k) ?? 0);
  const opsSorted = [...ops.keys()].sort((a, b) => opsUses(b) - opsUses(a) || a.localeCompare(b));
  for (const k of opsSorted) {
    const o = ops.get(k)!;
    const off = [o.irqOff ? 'irq' : '', o.bhOff ? 'bh' : ''].filter(Boolean).join('+');
    const via = VIA_CALL[k];
    const n = via ? via.reduce((a, f) => a + (uses.get(f) ?? 0), 0) : (pairs.get(k) ?? 0);
    const shown = via ? `${n} (via ${via.join('/')})` : String(n);
    out.push(`| \`${k}\` | ${shown} | ${o.ctx} | ${off} | ${(o.held ?? []).join(', ')} | ${o.caller ?? ''} |`);
  }
  out.push('', '### Measured but not expressible as rows yet', '');
  out.push('| functions (uses) | needs |', '|---|---|');
  for (const [fns, need] of NEEDS_TYPES) out.push(`| ${fns.map((f) => `\`${f}\` (${uses.get(f) ?? 0})`).join(', ')} | ${need} |`);
  out.push('', `### Most bound (struct, field) pairs, top ${top} (✓ = has a row)`, '');
  out.push('| struct.field | bindings | row |', '|---|---:|---|');
  for (const [k, n] of [...pairs].sort((a, b) => b[1] - a[1]).slice(0, top)) out.push(`| \`${k}\` | ${n} | ${ops.has(k) ? '✓' : ''} |`);

  if (extra.length > 0) {
    out.push('', '### Uses of --count names', '', '| function | uses |', '|---|---:|');
    for (const n of [...extra].sort((a, b) => (uses.get(b) ?? 0) - (uses.get(a) ?? 0))) out.push(`| \`${n}\` | ${uses.get(n) ?? 0} |`);
  }
  if (discover) {
    const have = new Set([...LINUX_SUBSYSTEM_API, ...LINUX_API, ...XEN_API].map((r) => r.fn));
    for (const n of ['__acquires', '__releases', '__must_hold']) have.add(n);
    out.push('', `### Discovered: core functions whose body calls a lock primitive, not in the table, top ${top}`, '');
    out.push('| function | uses | first primitive in body |', '|---|---:|---|');
    const found = [...candidates].filter(([n]) => !have.has(n)).map(([n, p]) => [n, p, uses.get(n) ?? 0] as const);
    for (const [n, p, u] of found.sort((a, b) => b[2] - a[2]).slice(0, top)) out.push(`| \`${n}\` | ${u} | ${p} |`);
  }
  process.stdout.write(out.join('\n') + '\n');
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
