import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { lineCounter, predicateTable, scanMacros } from '../src/extract/macros';
import { BUILTIN_OPS, BUILTIN_ROWS, buildApiTable } from '../src/kernel-api/load';

/** The 1-based line of a character offset, the plain way. */
function lineAt(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

test('lineCounter gives lineAt\'s line for offsets in increasing order, and starts over for an earlier one', () => {
  const text = Array.from({ length: 300 }, (_, i) => `#define REG_${i} 0x${i.toString(16)}${i % 7 === 0 ? '\n' : ''}`).join('\n');
  const offsets: number[] = [];
  for (let i = 0; i < text.length; i += 37) offsets.push(i);
  const lineOf = lineCounter(text);
  for (const o of offsets) assert.equal(lineOf(o), lineAt(text, o), `offset ${o}`);
  for (const o of [text.length - 1, 5, 0, 400, text.length]) assert.equal(lineOf(o), lineAt(text, o), `offset ${o}`);
});

test('scanMacros: sites on the right lines; a truth-valued define only at the start of a line', () => {
  const api = buildApiTable(BUILTIN_ROWS, BUILTIN_OPS);
  const header = [
    '/* register map */',
    '#define FROB_CTRL 0x10',
    '#define FROB_CAN_SLEEP true',
    '  #  define FROB_NO_WAIT (0) /* polled */',
    'int x; #define FROB_NOT_A_DEFINE 1',
    '#define frob_lock(f) spin_lock(&(f)->lock)',
    '',
    '#define frob_unlock(f) \\',
    '\tspin_unlock(&(f)->lock)',
  ].join('\n');
  const macros = scanMacros('drivers/frob/frob.h', header, api);
  const at = (name: string) => macros.find((m) => m.name === name)?.site.line;
  assert.equal(at('FROB_CAN_SLEEP'), 3);
  assert.equal(at('FROB_NO_WAIT'), 4);
  assert.equal(at('FROB_NOT_A_DEFINE'), undefined);
  assert.equal(at('frob_lock'), 6);
  assert.equal(at('frob_unlock'), 8);
  assert.equal(macros.find((m) => m.name === 'FROB_NO_WAIT')?.body, '0');
});

/** The truth-define pattern as first written (two whitespace runs side by side, slow on padded headers): the oracle. */
const TRUTH_ORACLE = /#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+\(?[ \t]*(true|false|0|1)[ \t]*\)?[ \t]*(?:\/\*.*\*\/[ \t]*|\/\/.*)?$/gm;

test('scanMacros finds the truth-valued defines the first pattern found, padded, parenthesized or commented', () => {
  const api = buildApiTable(BUILTIN_ROWS, BUILTIN_OPS);
  const pads = ['', ' ', '\t', '   \t  ', ' '.repeat(40)];
  const values = ['1', '0', 'true', 'false', '10', '0x1', '1U', 'truex'];
  const lines: string[] = [];
  let k = 0;
  for (const a of pads) for (const v of values) for (const paren of [0, 1, 2, 3]) {
    const b = pads[k % pads.length];
    const c = pads[(k * 3 + 1) % pads.length];
    const open = paren & 1 ? `(${c}` : '';
    const close = paren & 2 ? `${b})` : '';
    const tail = ['', ' /* on */', ' // off', ' /* a', ')'][k % 5];
    lines.push(`#define NAME_${k}${a || ' '}${open}${v}${close}${c}${tail}`);
    k++;
  }
  const text = lines.join('\n');
  const expected: string[] = [];
  for (let m = TRUTH_ORACLE.exec(text); m; m = TRUTH_ORACLE.exec(text)) expected.push(`${m[1]}=${m[2]}`);
  const found = scanMacros('drivers/frob/regs.h', text, api).filter((m) => m.constant).map((m) => `${m.name}=${m.body}`);
  assert.ok(expected.length > 40, `the generated header has truth defines (${expected.length})`);
  assert.deepEqual(found, expected);
});

test('predicates: side-effect-free macros and one-return static inlines; every #ifdef variant must be one', () => {
  const api = buildApiTable(BUILTIN_ROWS, BUILTIN_OPS);
  const header = [
    '#ifdef CONFIG_FROB_CONSOLE',
    '#define frob_console(p) ((p)->cons && (p)->cons->index == (p)->line)',
    '#else',
    '#define frob_console(p) ({ (void)p; 0; })',
    '#endif',
    '#define frob_claim(p) ((p)->claims++ == 0)',
    '#define frob_set(p, v) ((p)->v = (v))',
    '#define frob_shift(p) ((p)->bits <<= 1)',
    '#define frob_poll(p) ((p)->ops->poll(p))',
    '#define frob_ready(p) (frob_console(p) && !(p)->busy)',
    '#define frob_busy(p) (frob_kick(p) || (p)->busy)',
    '#ifdef CONFIG_FROB_FAST',
    '#define frob_fast(p) ((p)->fast)',
    '#else',
    '#define frob_fast(p) ((p)->fast = frob_probe_speed(p))',
    '#endif',
    'static inline bool frob_is_master(const struct frob *f)',
    '{',
    '\treturn f->flags & FROB_MASTER;',
    '}',
    'static inline int frob_next(struct frob *f)',
    '{',
    '\treturn f->seq++;',
    '}',
  ].join('\n');
  const own = scanMacros('drivers/frob/frob.h', header, api);
  const pred = (name: string) => own.find((m) => m.name === name)?.predicate;
  assert.deepEqual(pred('frob_console')?.reads.sort(), ['cons', 'index', 'line']);
  for (const impure of ['frob_claim', 'frob_set', 'frob_shift', 'frob_next', 'frob_fast']) assert.equal(pred(impure), undefined, impure);
  assert.deepEqual(pred('frob_is_master')?.reads.sort(), ['FROB_MASTER', 'flags']);
  assert.deepEqual(pred('frob_ready')?.calls, ['frob_console']);
  // Across headers: calls resolved to what the callees read; a call of anything else is no predicate.
  const table = predicateTable([{ file: 'include/linux/frob.h', text: header }], api);
  assert.deepEqual(table.get('frob_ready')?.predicate?.reads.sort(), ['busy', 'cons', 'index', 'line']);
  assert.equal(table.get('frob_busy'), undefined);
  assert.equal(table.get('frob_poll'), undefined); // a call through a pointer
  // Defined impure in another header: none.
  const twice = predicateTable([{ file: 'a.h', text: header }, { file: 'b.h', text: '#define frob_is_master(f) frob_query(f)\n' }], api);
  assert.equal(twice.get('frob_is_master'), undefined);
  assert.ok(twice.get('frob_console'));
});

test('scanMacros: a macro whose body is one call of a function forwards to it, with each argument\'s parameter', () => {
  const api = buildApiTable(BUILTIN_ROWS, BUILTIN_OPS);
  const header = [
    '#define foo_simple_reply(ep, ...) \\',
    '\t__foo_simple_reply((ep), sizeof((u8[]) { __VA_ARGS__ })/sizeof(u8), __VA_ARGS__)',
    '#define foo_dbg(priv, fmt, ...) do { foo_printk((priv)->dev, fmt, ##__VA_ARGS__); } while (0)',
    '#define foo_reset(f) __foo_reset(f, 0);',
    '#define foo_two(f) do { a(f); b(f); } while (0)',
    '#define foo_reg(f) FOO_READ(f, 4)',
    '#define foo_call(cb, x) cb(x)',
    '#define foo_sum(a, b) (foo_val(a) + foo_val(b))',
    '#define FOO_RREG_NO_KIQ(reg) foo_rreg(fdev, (reg), FOO_NO_KIQ | FOO_RLC)',
  ].join('\n');
  const byName = new Map(scanMacros('foo.h', header, api).map((m) => [m.name, m]));
  assert.deepEqual(byName.get('foo_simple_reply')?.forward, { callee: '__foo_simple_reply', args: [0, null, '...'] });
  assert.deepEqual(byName.get('foo_dbg')?.forward, { callee: 'foo_printk', args: [null, 1, '...'] });
  // A constant the body passes is the same text at every call: it decides the callee's parameter tests.
  assert.deepEqual(byName.get('foo_reset')?.forward, { callee: '__foo_reset', args: [0, { text: '0' }] });
  // `fdev` is the caller's variable of that name; the flags are the body's own.
  assert.deepEqual(byName.get('FOO_RREG_NO_KIQ')?.forward, { callee: 'foo_rreg', args: [{ text: 'fdev' }, 0, { text: 'FOO_NO_KIQ | FOO_RLC' }] });
  for (const name of ['foo_two', 'foo_reg', 'foo_call', 'foo_sum']) assert.equal(byName.get(name)?.forward, undefined, name);
});
