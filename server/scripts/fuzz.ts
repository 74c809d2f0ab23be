// Property-based fuzzing of every reader of untrusted input: the C front end
// (extractSource, then the whole engine through analyzeSources), the patch
// reader (parsePatch, applyPatch, reversePatch) and the configuration loader
// (parseConfig, loadConfig). The properties, for any input:
//   - no exception escapes, other than the documented error type of that
//     reader (ConfigError; PatchError is returned, not thrown), and that
//     error's message is one line;
//   - the engine never reports an internal error for a file;
//   - every case finishes within a time bound (a hang shows as a failed bound).
//
// server/test/fuzz.test.ts runs these targets with few cases and a fixed seed
// (a reproducible part of `npm test`); `npm run fuzz` runs many more:
//   LOCKSCOPE_FUZZ_RUNS=N        cases per target (default 2000)
//   LOCKSCOPE_FUZZ_SEED=S        seed (default: random, printed)
//   LOCKSCOPE_FUZZ_TARGETS=a,b   only these targets
// A failure prints fast-check's report: the seed, the path and the shrunk
// counterexample, which replays with the same seed and path.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { extractSource, type ExtractEnv } from '../src/extract/extract';
import { analyzeSources, apiTableFor } from '../src/engine/analyze';
import { ConfigError, defaultConfig, loadConfig, parseConfig, type Config } from '../src/config/config';
import { getParser } from '../src/syntax/parser';
import { applyPatch, parsePatch, reversePatch, touchedFiles, PatchError } from '../src/patch/index';

// ---------------------------------------------------------------------------
// Seeds: realistic kernel C, written for this harness (not copied from a tree).

export const C_SEEDS: readonly string[] = [
  `// SPDX-License-Identifier: GPL-2.0
#include <linux/spinlock.h>
#include <linux/interrupt.h>

struct frob_dev {
	spinlock_t lock;
	struct mutex cfg_lock;
	struct timer_list watchdog;
	struct work_struct reset_work;
	unsigned long flags;
	int irq;
};

static DEFINE_SPINLOCK(frob_list_lock);

#define frob_lock(d, fl) spin_lock_irqsave(&(d)->lock, fl)
#define frob_unlock(d, fl) spin_unlock_irqrestore(&(d)->lock, fl)

static irqreturn_t frob_irq(int irq, void *data)
{
	struct frob_dev *d = data;

	spin_lock(&d->lock);
	d->flags |= 1;
	spin_unlock(&d->lock);
	return IRQ_HANDLED;
}

static void frob_watchdog(struct timer_list *t)
{
	struct frob_dev *d = from_timer(d, t, watchdog);
	unsigned long fl;

	frob_lock(d, fl);
	if (d->flags & 2)
		goto out;
	spin_lock(&frob_list_lock);
	d->flags = 0;
	spin_unlock(&frob_list_lock);
out:
	frob_unlock(d, fl);
}

static int frob_probe(struct frob_dev *d)
{
	int ret;

	timer_setup(&d->watchdog, frob_watchdog, 0);
	ret = request_irq(d->irq, frob_irq, IRQF_SHARED, "frob", d);
	if (ret)
		return ret;
	mutex_lock(&d->cfg_lock);
	spin_lock_irq(&d->lock);
	d->flags = 4;
	spin_unlock_irq(&d->lock);
	mutex_unlock(&d->cfg_lock);
	return 0;
}

static void frob_remove(struct frob_dev *d)
{
	spin_lock_irq(&d->lock);
	del_timer_sync(&d->watchdog);
	spin_unlock_irq(&d->lock);
	free_irq(d->irq, d);
}
`,
  `#include <linux/mutex.h>
#include <linux/workqueue.h>

struct blk_ctx {
	struct mutex lock;
	struct rw_semaphore sem;
	struct work_struct work;
	struct list_head items;
	unsigned int count;
};

static void blk_work_fn(struct work_struct *w)
{
	struct blk_ctx *c = container_of(w, struct blk_ctx, work);

	down_read(&c->sem);
	mutex_lock(&c->lock);
	c->count++;
	mutex_unlock(&c->lock);
	up_read(&c->sem);
}

static int blk_update(struct blk_ctx *c, int n)
{
	int i, err = 0;

	if (!mutex_trylock(&c->lock))
		return -EBUSY;
	for (i = 0; i < n; i++) {
		switch (i & 3) {
		case 0:
			c->count += i;
			break;
		case 1:
			if (c->count > 100) {
				err = -EINVAL;
				goto unlock;
			}
			fallthrough;
		default:
			continue;
		}
	}
	down_write(&c->sem);
	c->count = 0;
	up_write(&c->sem);
unlock:
	mutex_unlock(&c->lock);
	return err;
}

static void blk_teardown(struct blk_ctx *c)
{
	mutex_lock(&c->lock);
	cancel_work_sync(&c->work);
	mutex_unlock(&c->lock);
}
`,
  `#include <linux/cleanup.h>

struct ring {
	raw_spinlock_t lock;
	rwlock_t map_lock;
	u32 head, tail;
	void (*kick)(struct ring *r);
};

static u32 ring_space(struct ring *r)
{
	guard(raw_spinlock_irqsave)(&r->lock);
	return r->tail - r->head;
}

static void ring_push(struct ring *r, u32 v)
{
	scoped_guard(raw_spinlock, &r->lock) {
		r->head += v;
		if (r->head > r->tail)
			return;
	}
	read_lock_bh(&r->map_lock);
	r->kick(r);
	read_unlock_bh(&r->map_lock);
}

static int ring_wait(struct ring *r)
{
	int ret = ({ int __x = 0; raw_spin_lock(&r->lock); __x = r->head; raw_spin_unlock(&r->lock); __x; });
#ifdef CONFIG_RING_DEBUG
	write_lock(&r->map_lock);
	r->tail = ret;
	write_unlock(&r->map_lock);
#else
	r->tail = 0;
#endif
	do {
		local_irq_disable();
		ret--;
		local_irq_enable();
	} while (ret > 0);
	return ret;
}

static const struct ring_ops {
	void (*push)(struct ring *r, u32 v);
} ring_default_ops = {
	.push = ring_push,
};
`,
  `/* Xen-style event channel glue */
static DEFINE_MUTEX(evtchn_mutex);
static DEFINE_SPINLOCK(evtchn_ring_lock);

struct user_evtchn {
	unsigned int port;
	int irq;
	bool enabled;
};

static irqreturn_t evtchn_interrupt(int irq, void *data)
{
	struct user_evtchn *evtchn = data;

	spin_lock(&evtchn_ring_lock);
	evtchn->enabled = false;
	spin_unlock(&evtchn_ring_lock);
	return IRQ_HANDLED;
}

static int evtchn_bind(struct user_evtchn *evtchn)
{
	int rc;

	rc = bind_evtchn_to_irqhandler(evtchn->port, evtchn_interrupt, 0, "evtchn", evtchn);
	if (rc < 0)
		return rc;
	evtchn->irq = rc;
	return 0;
}

static void evtchn_unbind(struct user_evtchn *evtchn)
{
	mutex_lock(&evtchn_mutex);
	spin_lock_irq(&evtchn_ring_lock);
	disable_irq(evtchn->irq);
	spin_unlock_irq(&evtchn_ring_lock);
	mutex_unlock(&evtchn_mutex);
}

void __init evtchn_init(void)
{
	mutex_lock(&evtchn_mutex);
	mutex_unlock(&evtchn_mutex);
}
`,
];

/** Pieces spliced in by the "macro soup" mutation. */
const SOUP: readonly string[] = [
  'spin_lock(&l);', 'spin_unlock(&l);', 'spin_lock_irqsave(&d->lock, flags);', 'mutex_lock(', 'mutex_unlock(&m)',
  '#ifdef CONFIG_X\n', '#else\n', '#endif\n', '#if 0\n', '#define W(x) spin_lock(&(x)->lock)\n', 'W(p);',
  '#define V(...) mutex_lock(__VA_ARGS__)\n', 'V(&m);', '__acquires(l)', '__releases(l)', '__must_check', '__iomem',
  'guard(spinlock)(', 'scoped_guard(mutex, &m) {', '({', '})', 'do {', '} while (0)', '\\\n', 'goto out;', 'out:',
  'return;', 'break;', 'continue;', 'case 1:', 'default:', 'switch (x) {', 'if (', 'else', 'for (;;)', 'while (',
  '/*', '*/', '//', '"', "'", ')', '(', '{', '}', ';', ',', '->', '.', '&', '*', '[', ']', '?', ':', '##', '#',
  'struct s {', 'typedef', 'static', 'request_irq(i, h, 0, "x", d);', 'del_timer_sync(&t);', 'disable_irq(irq);',
  'container_of(p, struct frob_dev, lock)', 'L"w"', '0x', '1e', '\u00e9', '\uFFFD', '\uD800', '\t', '\r\n', '\0',
];

type Mutation =
  | { kind: 'cut'; at: number }
  | { kind: 'keepTail'; at: number }
  | { kind: 'dropSpan'; at: number; len: number }
  | { kind: 'dropBrackets'; which: number; every: number }
  | { kind: 'doubleBrackets'; which: number; every: number }
  | { kind: 'soup'; at: number; pieces: number[] }
  | { kind: 'bytes'; at: number; bytes: number[] }
  | { kind: 'splice'; at: number; seed: number; from: number; len: number }
  | { kind: 'repeat'; at: number; len: number; times: number };

const BRACKETS = ['{}', '()', '[]', '{}()'];

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('keepTail' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('dropSpan' as const), at: fc.nat(), len: fc.nat({ max: 400 }) }),
  fc.record({ kind: fc.constant('dropBrackets' as const), which: fc.nat({ max: BRACKETS.length - 1 }), every: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('doubleBrackets' as const), which: fc.nat({ max: BRACKETS.length - 1 }), every: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('soup' as const), at: fc.nat(), pieces: fc.array(fc.nat({ max: SOUP.length - 1 }), { minLength: 1, maxLength: 30 }) }),
  fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), seed: fc.nat({ max: C_SEEDS.length - 1 }), from: fc.nat(), len: fc.nat({ max: 600 }) }),
  fc.record({ kind: fc.constant('repeat' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 80 }), times: fc.integer({ min: 2, max: 200 }) }),
);

function applyMutation(text: string, m: Mutation): string {
  const pos = (n: number): number => (text.length === 0 ? 0 : n % (text.length + 1));
  switch (m.kind) {
    case 'cut': return text.slice(0, pos(m.at));
    case 'keepTail': return text.slice(pos(m.at));
    case 'dropSpan': { const a = pos(m.at); return text.slice(0, a) + text.slice(a + m.len); }
    case 'dropBrackets':
    case 'doubleBrackets': {
      const set = BRACKETS[m.which];
      let k = 0;
      let out = '';
      for (const ch of text) {
        if (set.includes(ch) && k++ % m.every === 0) out += m.kind === 'dropBrackets' ? '' : ch + ch;
        else out += ch;
      }
      return out;
    }
    case 'soup': { const a = pos(m.at); return text.slice(0, a) + m.pieces.map((i) => SOUP[i]).join(' ') + text.slice(a); }
    case 'bytes': {
      // Raw bytes (NUL, invalid UTF-8) decoded the way the pool decodes files.
      const buf = Buffer.from(text, 'utf8');
      const a = buf.length === 0 ? 0 : m.at % (buf.length + 1);
      return Buffer.concat([buf.subarray(0, a), Buffer.from(m.bytes), buf.subarray(a)]).toString('utf8');
    }
    case 'splice': {
      const other = C_SEEDS[m.seed];
      const from = m.from % (other.length + 1);
      const a = pos(m.at);
      return text.slice(0, a) + other.slice(from, from + m.len) + text.slice(a);
    }
    case 'repeat': { const a = pos(m.at); return text.slice(0, a) + text.slice(a, a + m.len).repeat(m.times) + text.slice(a); }
  }
}

export const cSourceArb: fc.Arbitrary<string> = fc
  .record({ seed: fc.nat({ max: C_SEEDS.length - 1 }), mutations: fc.array(mutationArb, { maxLength: 6 }) })
  .map(({ seed, mutations }) => mutations.reduce(applyMutation, C_SEEDS[seed]));

// ---------------------------------------------------------------------------
// Patch seeds.

const PATCH_BEFORE = new Map<string, string>([
  ['drivers/frob/frob.c', 'static int a;\nvoid f(void)\n{\n\tspin_lock(&l);\n\ta++;\n\tspin_unlock(&l);\n}\n\nvoid g(void)\n{\n\tmutex_lock(&m);\n\tmutex_unlock(&m);\n}\n'],
  ['drivers/frob/frob.h', '#ifndef FROB_H\n#define FROB_H\nvoid f(void);\n#endif\n'],
  ['README', 'frob\n'],
]);

export const PATCH_SEEDS: readonly string[] = [
  `From 1234567890abcdef1234567890abcdef12345678 Mon Sep 17 00:00:00 2001
From: A Developer <dev@example.org>
Date: Mon, 3 Jun 2024 10:00:00 +0200
Subject: [PATCH 1/2] frob: take the mutex under the spinlock

Signed-off-by: A Developer <dev@example.org>
---
 drivers/frob/frob.c | 4 +++-
 1 file changed, 3 insertions(+), 1 deletion(-)

diff --git a/drivers/frob/frob.c b/drivers/frob/frob.c
index 1111111..2222222 100644
--- a/drivers/frob/frob.c
+++ b/drivers/frob/frob.c
@@ -2,6 +2,8 @@ static int a;
 void f(void)
 {
 \tspin_lock(&l);
-\ta++;
+\tmutex_lock(&m);
+\ta += 2;
+\tmutex_unlock(&m);
 \tspin_unlock(&l);
 }
--
2.45.0

From abcdefabcdefabcdefabcdefabcdefabcdefabcd Mon Sep 17 00:00:00 2001
From: A Developer <dev@example.org>
Date: Mon, 3 Jun 2024 10:01:00 +0200
Subject: [PATCH 2/2] frob: header, rename, binary

---
diff --git a/drivers/frob/frob.h b/drivers/frob/frob.h
--- a/drivers/frob/frob.h
+++ b/drivers/frob/frob.h
@@ -1,4 +1,5 @@
 #ifndef FROB_H
 #define FROB_H
 void f(void);
+void g(void);
 #endif
\\ No newline at end of file
diff --git a/README b/README.md
similarity index 100%
rename from README
rename to README.md
diff --git a/fw.bin b/fw.bin
new file mode 100644
index 0000000..3333333
GIT binary patch
literal 12
TcmZ?wbhEHbRA68L0)qbm0yh8x

literal 0
HcmV?d00001

--
2.45.0
`,
  `--- drivers/frob/frob.c.orig\t2024-06-03 10:00:00.000000000 +0200
+++ drivers/frob/frob.c\t2024-06-03 10:05:00.000000000 +0200
@@ -9,5 +9,6 @@
 
 void g(void)
 {
+\tspin_lock(&l);
 \tmutex_lock(&m);
 \tmutex_unlock(&m);
@@ -13,1 +14,2 @@
 }
+/* end */
Binary files a/logo.png and b/logo.png differ
`,
];

type LineMutation =
  | { kind: 'dropLine'; at: number }
  | { kind: 'dupLine'; at: number }
  | { kind: 'counts'; at: number; a: number; b: number; c: number; d: number }
  | { kind: 'header'; at: number; text: number }
  | { kind: 'op'; at: number; op: number }
  | { kind: 'crlf'; all: boolean; at: number }
  | { kind: 'junk'; at: number; bytes: number[] }
  | { kind: 'truncate'; at: number };

const HEADER_JUNK: readonly string[] = [
  'diff --git a/x', 'diff --git', '--- ', '+++ ', '--- /dev/null', '+++ /dev/null', '@@ -1 +1 @@', '@@ -0,0 +1,99999999 @@',
  '@@ -4294967296,1 +1,1 @@', '@@ @@', 'index 0..1', 'new file mode 100644', 'deleted file mode 100644', 'rename from ',
  'rename to ', 'similarity index 999%', 'GIT binary patch', 'literal 99999999', 'delta 3', 'Binary files a and b differ',
  'From 0 Mon Sep 17 00:00:00 2001', 'Subject: [PATCH 0/3] cover', 'diff --cc x', '\\ No newline at end of file', '-- ',
  'old mode 100644', 'new mode 100755', 'copy from a', 'copy to b', 'dissimilarity index 50%', '+', '-', ' ', '',
];

const lineMutationArb: fc.Arbitrary<LineMutation> = fc.oneof(
  fc.record({ kind: fc.constant('dropLine' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('dupLine' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('counts' as const), at: fc.nat(),
    a: fc.oneof(fc.nat({ max: 40 }), fc.nat()), b: fc.nat({ max: 40 }), c: fc.oneof(fc.nat({ max: 40 }), fc.nat()), d: fc.nat({ max: 40 }),
  }),
  fc.record({ kind: fc.constant('header' as const), at: fc.nat(), text: fc.nat({ max: HEADER_JUNK.length - 1 }) }),
  fc.record({ kind: fc.constant('op' as const), at: fc.nat(), op: fc.nat({ max: 5 }) }),
  fc.record({ kind: fc.constant('crlf' as const), all: fc.boolean(), at: fc.nat() }),
  fc.record({ kind: fc.constant('junk' as const), at: fc.nat(), bytes: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 24 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);

function applyLineMutation(text: string, m: LineMutation): string {
  const lines = text.split('\n');
  const i = lines.length === 0 ? 0 : m.at % lines.length;
  switch (m.kind) {
    case 'dropLine': lines.splice(i, 1); break;
    case 'dupLine': lines.splice(i, 0, lines[i] ?? ''); break;
    case 'counts': {
      const hunks = lines.map((l, k) => (l.startsWith('@@') ? k : -1)).filter((k) => k >= 0);
      const k = hunks.length > 0 ? hunks[m.at % hunks.length] : i;
      lines[k] = `@@ -${m.a},${m.b} +${m.c},${m.d} @@${lines[k]?.replace(/^@@[^@]*@@/, '') ?? ''}`;
      break;
    }
    case 'header': lines.splice(i, 0, HEADER_JUNK[m.text]); break;
    case 'op': lines[i] = `${['+', '-', ' ', '\\', '@', ''][m.op]}${(lines[i] ?? '').slice(1)}`; break;
    case 'crlf': return m.all ? lines.join('\r\n') : lines.map((l, k) => (k % 3 === m.at % 3 ? `${l}\r` : l)).join('\n');
    case 'junk': lines.splice(i, 0, Buffer.from(m.bytes).toString('latin1')); break;
    case 'truncate': return text.slice(0, m.at % (text.length + 1));
  }
  return lines.join('\n');
}

export const patchArb: fc.Arbitrary<string> = fc
  .record({ seed: fc.nat({ max: PATCH_SEEDS.length - 1 }), mutations: fc.array(lineMutationArb, { maxLength: 8 }) })
  .map(({ seed, mutations }) => mutations.reduce(applyLineMutation, PATCH_SEEDS[seed]));

// ---------------------------------------------------------------------------
// Configuration inputs.

const VALID_CONFIG = {
  api: {
    add: [
      { fn: 'frob_lock', op: 'acquire', lock: 0, mode: 'spin', irq: 'save' },
      { fn: 'frob_unlock', op: 'release', lock: 0, irq: 'restore' },
      { fn: 'frob_wait', op: 'wait', what: 'irq', key: 0 },
      { fn: 'frob_register', op: 'register', what: 'timer', ctx: 'softirq', handlerArg: 1, key: 0 },
      { fn: 'frob_global_lock', op: 'acquire', cls: 'frob_global', lock: 'none', mode: 'mutex' },
      { fn: 'frob_guard', op: 'guard', acquire: 'frob_lock' },
    ],
    remove: ['msleep'],
  },
  ops: [{ structType: 'frob_ops', field: 'reset', ctx: 'process', held: ['frob_dev.lock'] }],
  initOnly: ['frob_init'],
  rules: { 'lock-order-inversion': 'warning', 'irq-inversion': 'off' },
  suppress: [{ rule: '*', function: 'frob_probe', reason: 'probe runs alone' }],
  simulator: { maxStates: 1000, maxMillis: 100, cpus: 2 },
  maxFileBytes: 1000000,
  exclude: ['generated/'],
};

const hugeValueArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant('x'.repeat(100_000)),
  fc.constant(Number.MAX_VALUE), fc.constant(-Number.MAX_VALUE), fc.constant(1e300), fc.constant(2 ** 53 + 2),
  fc.constant(-0), fc.constant(0.5), fc.constant(Array.from({ length: 20_000 }, (_, i) => `f${i}`)),
  fc.constant('$(touch /tmp/lockscope-fuzz-marker)'), fc.constant('`touch /tmp/lockscope-fuzz-marker`'),
  fc.constant('__proto__'), fc.constant({ __proto__: { polluted: true } }), fc.constant('constructor'),
);

/** A deep array/object nest: [[[[...]]]] or {"a":{"a":...}} (JSON.stringify itself overflows past ~3,000). */
const deepArb: fc.Arbitrary<unknown> = fc.record({ depth: fc.integer({ min: 1, max: 2000 }), obj: fc.boolean() }).map(({ depth, obj }) => {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = obj ? { a: v } : [v];
  return v;
});

const anyValueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: hugeValueArb },
  { weight: 1, arbitrary: deepArb },
);

type ConfigEdit = { path: Array<string | number>; value: unknown } | { path: Array<string | number>; remove: true };

const KEYS = ['api', 'add', 'remove', 'ops', 'initOnly', 'rules', 'suppress', 'simulator', 'maxFileBytes', 'exclude', 'fn', 'op',
  'lock', 'mode', 'irq', 'cls', 'what', 'key', 'ctx', 'handlerArg', 'acquire', 'held', 'reason', 'rule', 'cpus', 'maxStates',
  'unknownKey', '$schema', '__proto__', 'constructor', 'toString', 'length'];

const editArb: fc.Arbitrary<ConfigEdit> = fc.oneof(
  fc.record({ path: fc.array(fc.oneof(fc.constantFrom(...KEYS), fc.nat({ max: 6 })), { minLength: 1, maxLength: 4 }), value: anyValueArb }),
  fc.record({ path: fc.array(fc.oneof(fc.constantFrom(...KEYS), fc.nat({ max: 6 })), { minLength: 1, maxLength: 4 }), remove: fc.constant(true as const) }),
);

function applyEdit(root: unknown, e: ConfigEdit): unknown {
  if (typeof root !== 'object' || root === null) return root;
  let node = root as Record<string | number, unknown>;
  for (let i = 0; i < e.path.length - 1; i++) {
    const next = node[e.path[i]];
    if (typeof next !== 'object' || next === null) return root;
    node = next as Record<string | number, unknown>;
  }
  const last = e.path[e.path.length - 1];
  try {
    // A value from fc.constant is one object shared by every case: insert a copy, or a later edit
    // writes into the shared constant (and, inserting it into itself, makes it circular).
    if ('remove' in e) delete node[last];
    else {
      const v = e.value;
      const plain = Array.isArray(v) || (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype);
      Object.defineProperty(node, last, { value: plain ? structuredClone(v) : v, enumerable: true, writable: true, configurable: true });
    }
  } catch {
    // An edit JavaScript refuses (an array's length set to a string): the input stays as it was.
  }
  return root;
}

export const configJsonArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.array(editArb, { maxLength: 5 }).map((edits) => edits.reduce(applyEdit, structuredClone(VALID_CONFIG) as unknown)) },
  { weight: 1, arbitrary: anyValueArb },
);

/** JSON text of an input; a value the edits made circular (fast-check may hand one edit to several cases) has none. */
function jsonText(v: unknown): string {
  try {
    return JSON.stringify(v) ?? 'undefined';
  } catch {
    return '{"circular": true}';
  }
}

export const configTextArb: fc.Arbitrary<string> = fc.oneof(
  configJsonArb.map(jsonText),
  configJsonArb.chain((v) => {
    const text = jsonText(v);
    return fc.record({ at: fc.nat(), len: fc.nat({ max: 20 }), junk: fc.string({ maxLength: 8 }) })
      .map(({ at, len, junk }) => { const a = at % (text.length + 1); return text.slice(0, a) + junk + text.slice(a + len); });
  }),
  fc.string({ maxLength: 200 }),
  // Nesting far deeper than any recursive reader could take, as text (JSON.parse is iterative).
  fc.record({ depth: fc.integer({ min: 1, max: 200_000 }), key: fc.constantFrom('api', 'exclude', '$schema', 'rules', 'suppress') })
    .map(({ depth, key }) => `{"${key}":${'['.repeat(depth)}${']'.repeat(depth)}}`),
  fc.constantFrom('\uFEFF{}', '', ' ', 'null', '[]', '{"api":', '{"a":1,"a":2}', '{}garbage', '\0'),
);

// ---------------------------------------------------------------------------
// Targets.

export interface FuzzOptions {
  numRuns: number;
  seed: number;
  /** Per-case wall-clock bound in ms. */
  caseMs?: number;
  /** Called with the case count when the target finishes. */
  onDone?: (target: string, cases: number, ms: number) => void;
}

export interface FuzzTarget {
  name: string;
  /** Bound per case (ms); overridable. */
  caseMs: number;
  run(opts: FuzzOptions): Promise<number>;
}

export class BoundError extends Error {}

function oneLine(what: string, message: string): void {
  if (typeof message !== 'string' || message.length === 0 || /[\r\n]/.test(message)) {
    throw new Error(`${what}: message is not one non-empty line: ${JSON.stringify(message).slice(0, 300)}`);
  }
}

function within(what: string, started: number, bound: number): void {
  const ms = performance.now() - started;
  if (ms > bound) throw new BoundError(`${what} took ${ms.toFixed(0)} ms (bound ${bound} ms)`);
}

let envMemo: ExtractEnv | undefined;
async function extractEnv(): Promise<ExtractEnv> {
  await getParser();
  envMemo ??= { api: apiTableFor(defaultConfig()), macros: new Map() };
  return envMemo;
}

/** Small simulator bounds so that a case is bounded by extraction, not by the search. */
const FUZZ_BOUNDS = { maxStates: 5_000, maxMillis: 200 };

/** The whole engine on one text (plus an unmutated seed for cross-file links): no throw, no internal error. */
export async function checkEngineOn(text: string, config?: Config): Promise<void> {
  const result = await analyzeSources(
    [{ file: 'fuzz.c', text }, { file: 'seed.c', text: C_SEEDS[0] }],
    { config, bounds: FUZZ_BOUNDS, all: true },
  );
  const internal = result.skipped.filter((s) => /internal error|worker crashed/.test(s.reason));
  if (internal.length > 0) throw new Error(`engine reported: ${internal.map((s) => `${s.file}: ${s.reason}`).join('; ')}`);
  for (const f of result.findings) oneLine('finding message', f.message);
}

async function runProperty<T>(name: string, arb: fc.Arbitrary<T>, body: (v: T) => Promise<void> | void, opts: FuzzOptions): Promise<number> {
  let cases = 0;
  const t0 = performance.now();
  await fc.assert(
    fc.asyncProperty(arb, async (v) => {
      cases++;
      await body(v);
    }),
    { numRuns: opts.numRuns, seed: opts.seed },
  );
  opts.onDone?.(name, cases, performance.now() - t0);
  return cases;
}

export const TARGETS: readonly FuzzTarget[] = [
  {
    name: 'c-extract',
    // The pool's per-file budget: tree-sitter's error recovery alone can take 2-6 s on 18 KB of
    // unbalanced C (LOCKSCOPE_FUZZ_SEED=777, case 487), so anything under the budget is accepted.
    caseMs: 10_000,
    async run(opts) {
      const env = await extractEnv();
      const bound = opts.caseMs ?? this.caseMs;
      return runProperty(this.name, cSourceArb, async (text) => {
        const t = performance.now();
        const facts = await extractSource('fuzz.c', text, env);
        within('extractSource', t, bound);
        if (!Array.isArray(facts.functions) || facts.file !== 'fuzz.c') throw new Error('malformed facts');
        for (const g of [...facts.gaps, ...facts.functions.flatMap((f) => f.gaps)]) oneLine('gap', g.what);
      }, opts);
    },
  },
  {
    name: 'c-engine',
    caseMs: 10_000,
    async run(opts) {
      await extractEnv();
      const bound = opts.caseMs ?? this.caseMs;
      return runProperty(this.name, cSourceArb, async (text) => {
        const t = performance.now();
        await checkEngineOn(text);
        within('analyzeSources', t, bound);
      }, opts);
    },
  },
  {
    name: 'patch',
    caseMs: 2_000,
    async run(opts) {
      const bound = opts.caseMs ?? this.caseMs;
      return runProperty(this.name, patchArb, (text) => {
        const t = performance.now();
        const parsed = parsePatch(text, 'fuzz.patch');
        if (parsed instanceof PatchError) {
          oneLine('PatchError', parsed.message);
        } else {
          touchedFiles(parsed);
          for (const p of [parsed, reversePatch(parsed)]) {
            const applied = applyPatch(PATCH_BEFORE, p);
            if (applied instanceof PatchError) oneLine('PatchError (apply)', applied.message);
            else for (const s of applied.skipped) oneLine('skipped reason', s.reason);
          }
        }
        within('parsePatch+applyPatch', t, bound);
      }, opts);
    },
  },
  {
    name: 'config',
    caseMs: 2_000,
    async run(opts) {
      const bound = opts.caseMs ?? this.caseMs;
      return runProperty(this.name, configJsonArb, (json) => {
        const t = performance.now();
        let config: Config | undefined;
        try {
          config = parseConfig(json, 'fuzz.json');
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          oneLine('ConfigError', e.message);
        }
        // An accepted configuration must also build an API table.
        if (config) apiTableFor(config);
        within('parseConfig', t, bound);
        if (({} as Record<string, unknown>).polluted !== undefined) throw new Error('Object.prototype polluted');
      }, opts);
    },
  },
  {
    name: 'config-file',
    caseMs: 2_000,
    async run(opts) {
      const bound = opts.caseMs ?? this.caseMs;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lockscope-fuzz-'));
      const file = path.join(dir, '.lockscope.json');
      try {
        return await runProperty(this.name, configTextArb, (text) => {
          fs.writeFileSync(file, text);
          const t = performance.now();
          try {
            loadConfig(dir);
          } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            oneLine('ConfigError', e.message);
          }
          within('loadConfig', t, bound);
        }, opts);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  {
    name: 'config-engine',
    caseMs: 10_000,
    async run(opts) {
      await extractEnv();
      const bound = opts.caseMs ?? this.caseMs;
      // Only configurations the loader accepts reach the engine.
      const accepted = configJsonArb.map((json) => {
        try {
          return parseConfig(json, 'fuzz.json');
        } catch (e) {
          if (e instanceof ConfigError) return undefined;
          throw e;
        }
      });
      return runProperty(this.name, fc.tuple(accepted, fc.nat({ max: C_SEEDS.length - 1 })), async ([config, seed]) => {
        const t = performance.now();
        await checkEngineOn(C_SEEDS[seed], config);
        within('analyzeSources with a fuzzed config', t, bound);
      }, opts);
    },
  },
];

// ---------------------------------------------------------------------------
// `npm run fuzz`.

async function main(): Promise<number> {
  const numRuns = Number(process.env.LOCKSCOPE_FUZZ_RUNS ?? 2000);
  const seed = process.env.LOCKSCOPE_FUZZ_SEED !== undefined ? Number(process.env.LOCKSCOPE_FUZZ_SEED) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
  const only = process.env.LOCKSCOPE_FUZZ_TARGETS?.split(',').map((s) => s.trim()).filter(Boolean);
  if (!Number.isInteger(numRuns) || numRuns < 1 || !Number.isInteger(seed)) {
    process.stderr.write('fuzz: LOCKSCOPE_FUZZ_RUNS must be a positive whole number and LOCKSCOPE_FUZZ_SEED a whole number\n');
    return 2;
  }
  process.stdout.write(`fuzz: seed ${seed}, ${numRuns} cases per target (replay: LOCKSCOPE_FUZZ_SEED=${seed})\n`);
  let failed = 0;
  for (const target of TARGETS) {
    if (only && !only.includes(target.name)) continue;
    try {
      await target.run({
        numRuns, seed,
        onDone: (name, cases, ms) => process.stdout.write(`  ${name.padEnd(14)} ${String(cases).padStart(7)} cases  ${(ms / 1000).toFixed(1)} s  ok\n`),
      });
    } catch (e) {
      failed++;
      const cause = (e as Error).cause as Error | undefined;
      process.stdout.write(`  ${target.name.padEnd(14)} FAILED\n${(e as Error).message}\n${cause ? `cause: ${cause.stack ?? String(cause)}\n` : ''}`);
    }
  }
  return failed > 0 ? 1 : 0;
}

if (require.main === module) {
  main().then((code) => { process.exitCode = code; }, (e) => { process.stderr.write(`fuzz: ${(e as Error).stack}\n`); process.exitCode = 3; });
}
