// Function-like `#define` wrappers around the API (`foo_lock(x, flags)` ->
// spin_lock_irqsave(&(x)->lock, flags)). They are found by a cheap textual
// scan of the analysed files and headers, and expanded at each call by
// substituting the arguments and parsing the result as a statement.
import { parseCSync, type Tree } from '../syntax/parser';
import { NodeCache, type CNode as SyntaxNode } from '../syntax/cnode';
import type { ApiTable } from '../kernel-api/types';
import type { MacroDef } from './ir';

const DEFINE = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)\(([^)]*)\)((?:[^\n\\]|\\\r?\n|\\(?!\r?\n))*)/gm;
const IDENT = /[A-Za-z_]\w*/g;
/** Names that suggest a wrapper of a wrapper (kept so that chains of macros expand). */
const LOCKISH = /lock|irq|guard|mutex|sem|bh/i;

export function scanMacros(file: string, text: string, api: ApiTable): MacroDef[] {
  return detached(scanWithImpure(file, text, api).defs);
}

/**
 * The definitions with strings of their own. A name or body matched in a header's text is a slice
 * of it, and V8 keeps the whole text alive as long as one slice is: a run's macro table then held
 * every header it was read from (on drivers/, hundreds of MB of text for a few MB of definitions).
 */
function detached<T>(defs: T): T {
  return JSON.parse(JSON.stringify(defs)) as T;
}

/** The file's macros, and the names it defines that are no predicate (some definition is not side-effect free). */
function scanWithImpure(file: string, text: string, api: ApiTable): { defs: MacroDef[]; impure: Set<string> } {
  const impure = new Set<string>();
  const out = [...scanDefines(file, text, api, impure), ...inlinePredicates(file, text)];
  if (!out.some((m) => m.predicate)) return { defs: out, impure };
  // A name with another definition (under another #ifdef) that is not side-effect free is no predicate.
  for (const m of out) if (!m.predicate) impure.add(m.name);
  const defs: MacroDef[] = [];
  for (const m of out) {
    if (!m.predicate || !impure.has(m.name)) defs.push(m);
    else if (m.passes || m.forward) {
      defs.push({ name: m.name, params: m.params, body: m.body, site: m.site, ...(m.passes ? { passes: m.passes } : {}), ...(m.forward ? { forward: m.forward } : {}) });
    }
  }
  return { defs: mergePredicates(defs), impure };
}

function macroParams(list: string): string[] {
  return list.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
}

function scanDefines(file: string, text: string, api: ApiTable, impure: Set<string>): MacroDef[] {
  const out: MacroDef[] = scanGuardDefinitions(file, text);
  if (!text.includes('#define') && !text.includes('# define')) return out;
  DEFINE.lastIndex = 0;
  const lineOf = lineCounter(text);
  for (let m = DEFINE.exec(text); m; m = DEFINE.exec(text)) {
    const body = m[3].replace(/\\\r?\n/g, ' ').trim();
    if (!body || body.length > 2000) {
      impure.add(m[1]);
      continue;
    }
    let interesting = false;
    for (const id of body.match(IDENT) ?? []) {
      if (id !== m[1] && (api.byName.has(id) || (LOCKISH.test(id) && body.includes(`${id}(`)))) {
        interesting = true;
        break;
      }
    }
    const params = macroParams(m[2]);
    // A macro that calls one of its parameters (`CALL_RXH(rxh)` -> `res = rxh(rx)`) hides the calls
    // it is given: expanded, the handlers it runs keep their caller.
    if (!interesting) interesting = params.some((p) => /^[A-Za-z_]\w*$/.test(p) && new RegExp(`\\b${p}\\s*\\(`).test(body));
    if (api.byName.has(m[1])) {
      impure.add(m[1]);
      continue;
    }
    const line = lineOf(m.index);
    if (interesting) {
      impure.add(m[1]);
      out.push({ name: m[1], params, body, site: { file, line, column: 1 } });
      continue;
    }
    const passes = passedOn(params, body);
    const predicate = predicateOf(params, body);
    const forward = forwardOf(m[1], params, body, api);
    // A predicate calling another with its parameters (`(frob_console(p) && ..)`) hands them on too: both.
    if (passes.length > 0 || forward) {
      if (!predicate) impure.add(m[1]);
      out.push({
        name: m[1], params, body, site: { file, line, column: 1 },
        ...(passes.length > 0 ? { passes } : {}), ...(predicate ? { predicate } : {}), ...(forward ? { forward } : {}),
      });
      continue;
    }
    if (predicate) out.push({ name: m[1], params, body, site: { file, line, column: 1 }, predicate });
    else impure.add(m[1]);
  }
  TRUTH_DEFINE.lastIndex = 0;
  const truthLine = lineCounter(text);
  for (let m = TRUTH_DEFINE.exec(text); m; m = TRUTH_DEFINE.exec(text)) {
    if (!onlyIndent(text, m.index)) continue;
    const line = truthLine(m.index);
    out.push({ name: m[1], params: [], body: m[2], site: { file, line, column: 1 }, constant: true });
  }
  return out;
}

/** The parameters a macro body hands on whole as an argument of a call (`f(a, p)`, `ops->g(x, __VA_ARGS__)`). */
function passedOn(params: readonly string[], body: string): string[] {
  if (!body.includes('(')) return [];
  const out: string[] = [];
  for (const p of params) {
    const name = p === '...' ? '__VA_ARGS__' : p;
    if (!/^[A-Za-z_]\w*$/.test(name)) continue;
    // The name alone between `(`/`,` and `,`/`)` (in parentheses or not), in the argument list of a call.
    const whole = new RegExp(`([(,])\\s*(?:\\(\\s*)?${name}\\s*(?:\\)\\s*)?(?=[,)])`, 'g');
    for (let m = whole.exec(body); m; m = whole.exec(body)) {
      if (isCallArgument(body, m.index)) {
        out.push(name);
        break;
      }
    }
  }
  return out;
}

const NOT_FUNCTIONS: ReadonlySet<string> = new Set([
  'sizeof', 'typeof', '__typeof__', '_Alignof', '__alignof__', 'offsetof', 'if', 'while', 'for', 'switch', 'return', 'do',
]);

/**
 * A macro whose whole body is one call of a function (`#define foo_reply(ep, ...) __foo_reply((ep),
 * sizeof((u8[]){ __VA_ARGS__ }), __VA_ARGS__)`, `do { g(x); } while (0)` too): the function, and for each
 * of its arguments the macro parameter it is (its index, `...` for `__VA_ARGS__` and the rest), or null.
 * Not a call of a parameter, of the API table (those macros are expanded), or of an ALL-CAPS name.
 */
function forwardOf(name: string, params: readonly string[], body: string, api: ApiTable): MacroDef['forward'] {
  let text = body.trim().replace(/;$/, '').trim();
  const loop = /^do\s*\{([\s\S]*)\}\s*while\s*\(\s*0\s*\)$/.exec(text);
  if (loop) text = loop[1].trim().replace(/;$/, '').trim();
  while (text.startsWith('(') && closing(text, 0) === text.length - 1) text = text.slice(1, -1).trim();
  const call = /^([A-Za-z_]\w*)\s*\(/.exec(text);
  if (!call) return undefined;
  const callee = call[1];
  const open = call[0].length - 1;
  if (closing(text, open) !== text.length - 1) return undefined;
  if (callee === name || params.includes(callee) || NOT_FUNCTIONS.has(callee) || api.byName.has(callee) || ALL_CAPS.test(callee)) return undefined;
  const named = params.filter((p) => p !== '...');
  const args = (splitArguments(text, open + 1) ?? []).map((a) => {
    let t = a.replace(/^##\s*/, '');
    while (t.startsWith('(') && closing(t, 0) === t.length - 1) t = t.slice(1, -1).trim();
    if (t === '__VA_ARGS__' && params.includes('...')) return '...' as const;
    const i = named.indexOf(t);
    if (i >= 0) return i;
    // A name the body takes from the caller's scope (`adev` in `amdgpu_device_rreg(adev, (reg), AMDGPU_REGS_NO_KIQ)`),
    // a constant or an OR of flag names: the same text at every call, which decides the callee's parameter tests.
    return FORWARDED_TEXT.test(t) ? { text: t.replace(/\s+/g, ' ') } : null;
  });
  return { callee, args };
}

/** An ALL-CAPS name: a constant, or a macro (register accessors, BIT()) rather than a function. */
export const ALL_CAPS = /^[A-Z][A-Z0-9_]*$/;

/** A name or an integer literal. */
const OPERAND = String.raw`(?:[A-Za-z_]\w*|\d+[uUlL]*|0[xX][0-9a-fA-F]+[uUlL]*)`;

/** A forwarded argument that is no macro parameter but means the same at every call: a name, a number, flags OR'ed. */
const FORWARDED_TEXT = new RegExp(`^${OPERAND}(?:\\s*\\|\\s*${OPERAND})*$`);

/** The index of the bracket closing the one at `at`, or -1. */
function closing(text: string, at: number): number {
  let depth = 0;
  for (let i = at; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i;
    } else if (c === '"' || c === "'") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    }
  }
  return -1;
}

/** Whether the `(` or `,` at `at` belongs to the argument list of a call: its `(` follows a name, `)` or `]`. */
function isCallArgument(body: string, at: number): boolean {
  let depth = 0;
  for (let i = at; i >= 0; i--) {
    const c = body[i];
    if (c === ')' && i !== at) depth++;
    else if (c === '(') {
      if (depth === 0) return /[\w)\]]/.test(body.slice(0, i).trimEnd().slice(-1));
      depth--;
    }
  }
  return false;
}

/** Names of the function-like macros a file defines, ALL-CAPS ones left out (those are never a function's name). */
export function functionMacroNames(text: string): string[] {
  if (!text.includes('define')) return [];
  const out = new Set<string>();
  DEFINE.lastIndex = 0;
  for (let m = DEFINE.exec(text); m; m = DEFINE.exec(text)) if (/[a-z]/.test(m[1])) out.add(m[1]);
  return [...out];
}

/**
 * Lines of offsets met in increasing order, counting only the text between
 * them: a register header's thousands of `#define`s cost one pass, not one
 * pass each (re-splitting the text for every match was most of scanning
 * drivers/' headers).
 */
export function lineCounter(text: string): (index: number) => number {
  let at = 0;
  let line = 1;
  return (index) => {
    if (index < at) {
      at = 0;
      line = 1;
    }
    for (let i = text.indexOf('\n', at); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
    at = index;
    return line;
  };
}

/**
 * `#define CAN_SLEEP true`, `#define NO_WAIT (0)`: object-like macros whose
 * value is a truth value. It starts at the `#` (a literal the regex engine
 * finds fast); `onlyIndent` checks the line holds nothing before it.
 */
// No two whitespace runs side by side (`[ \t]+\(?[ \t]*`): register headers pad names with dozens of
// blanks, and each split of the run between two quantifiers was a backtracking step (10x slower).
const TRUTH_DEFINE = /#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+(?:\([ \t]*)?(true|false|0|1)[ \t]*(?:\)[ \t]*)?(?:\/\*.*\*\/[ \t]*|\/\/.*)?$/gm;

function onlyIndent(text: string, index: number): boolean {
  for (let i = index - 1; i >= 0; i--) {
    const c = text[i];
    if (c === '\n') return true;
    if (c !== ' ' && c !== '\t') return false;
  }
  return true;
}

export interface Expansion {
  tree: Tree;
  /** The parsed expansion's root (its nodes one object each, as the body's). */
  root: SyntaxNode;
  /** The compound statement holding the expanded body. */
  body: SyntaxNode;
}

/** Substitute arguments into the body and parse it; undefined when the arity does not fit. */
export function expandMacro(macro: MacroDef, args: string[]): Expansion | undefined {
  const variadic = macro.params[macro.params.length - 1] === '...';
  const named = variadic ? macro.params.slice(0, -1) : macro.params;
  if (variadic ? args.length < named.length : args.length !== named.length) return undefined;
  const byName = new Map<string, string>();
  named.forEach((p, i) => byName.set(p, args[i]));
  if (variadic) byName.set('__VA_ARGS__', args.slice(named.length).join(', '));
  // Token-wise substitution, then `a##b` pastes (LOCK_TAKE(x) -> mutex_lock(&x##_mutex));
  // `#x` stringification is left as it is (it never names a lock).
  const expanded = macro.body.replace(IDENT, (id) => byName.get(id) ?? id).replace(/\s*##\s*/g, '');
  const tree = parseCSync(`void __lockscope_macro(void) { ${expanded}; }`);
  const root = new NodeCache().wrap(tree.rootNode);
  const fn = root.namedChildren.find((c) => c?.type === 'function_definition');
  const body = fn?.childForFieldName('body');
  if (!body) {
    tree.delete();
    return undefined;
  }
  return { tree, root, body };
}

/** The macro table's names for a guard class defined in the analysed files: its lock and its unlock expression. */
export function guardMacroName(kind: string, unlock = false): string {
  return `${unlock ? 'guard-unlock' : 'guard-lock'}@${kind}`;
}

const GUARD_DEFINE = /\bDEFINE_(GUARD|LOCK_GUARD_0|LOCK_GUARD_1)\s*\(/g;

/**
 * `DEFINE_GUARD(name, type, lock, unlock)`, `DEFINE_LOCK_GUARD_1(name, type, lock, unlock)` (its `_T->lock`
 * is the argument) and `DEFINE_LOCK_GUARD_0(name, lock, unlock)`: each becomes a pair of one-parameter
 * macros (`_T`) that guard(name)(x) expands.
 */
function scanGuardDefinitions(file: string, text: string): MacroDef[] {
  if (!text.includes('DEFINE_')) return [];
  const out: MacroDef[] = [];
  GUARD_DEFINE.lastIndex = 0;
  const guardLine = lineCounter(text);
  for (let m = GUARD_DEFINE.exec(text); m; m = GUARD_DEFINE.exec(text)) {
    const args = splitArguments(text, m.index + m[0].length);
    if (!args) continue;
    const kind = m[1];
    const [name, lock, unlock] = kind === 'LOCK_GUARD_0' ? [args[0], args[1], args[2]] : [args[0], args[2], args[3]];
    if (!name || !/^\w+$/.test(name) || !lock || !unlock) continue;
    const params = kind === 'LOCK_GUARD_0' ? [] : ['_T'];
    const arg = (e: string): string => (kind === 'LOCK_GUARD_1' ? e.replace(/_T\s*->\s*lock\b/g, '_T') : e);
    const line = guardLine(m.index);
    const site = { file, line, column: 1 };
    out.push({ name: guardMacroName(name), params, body: arg(lock), site });
    out.push({ name: guardMacroName(name, true), params, body: arg(unlock), site });
  }
  return out;
}

/**
 * The top-level comma-separated arguments of a parenthesized list starting at `from` (after its `(`),
 * trimmed; commas inside brackets and string or character literals do not split. `()` has none.
 */
function splitArguments(text: string, from: number): string[] | undefined {
  const args: string[] = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < text.length && i - from < 2000; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) {
        const last = text.slice(start, i).replace(/\\\r?\n/g, ' ').trim();
        if (last !== '' || args.length > 0) args.push(last);
        return args;
      }
      depth--;
    } else if (c === '"' || c === "'") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
    } else if (c === ',' && depth === 0) {
      args.push(text.slice(start, i).replace(/\\\r?\n/g, ' ').trim());
      start = i + 1;
    }
  }
  return undefined;
}

/** What a side-effect-free body may call besides other predicates: compile-time operators and plain reads. */
const PURE_CALLS: ReadonlySet<string> = new Set([
  'sizeof', 'typeof', '__typeof__', 'offsetof', 'likely', 'unlikely', '__builtin_expect', '__builtin_constant_p', 'READ_ONCE',
]);
/** Words that make a body more than an expression (control flow, inline assembly, volatile accesses). */
const STATEMENT_WORDS = /\b(?:if|else|for|while|do|return|goto|switch|case|break|continue|asm|__asm__|volatile)\b/;
const C_WORDS: ReadonlySet<string> = new Set([
  'struct', 'union', 'enum', 'const', 'unsigned', 'signed', 'int', 'long', 'short', 'char', 'bool', 'void', 'true', 'false', 'NULL',
]);

/**
 * A macro body (or a static inline's returned expression) that is side-effect free:
 * no assignment, no `++`/`--`, no call but to the names `calls` lists (each must be
 * a predicate too) and compile-time operators, never a call through a parameter.
 * `reads`: the names it reads besides its parameters. Undefined otherwise.
 */
export function predicateOf(params: readonly string[], body: string): MacroDef['predicate'] {
  const text = body.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/.*$/, '').trim();
  if (!text || text.length > 400 || /["'#\\]/.test(text) || params.includes('...')) return undefined;
  if (/\+\+|--|<<=|>>=|(?:^|[^=!<>])=(?!=)/.test(text) || STATEMENT_WORDS.test(text)) return undefined;
  // A statement expression `({ (void)port; 0; })` is still one if each of its statements is an expression.
  if (!/[\w)\]]/.test(text)) return undefined;
  const reads = new Set<string>();
  const calls = new Set<string>();
  for (const m of text.matchAll(/\b([A-Za-z_]\w*)(\s*\()?/g)) {
    const id = m[1];
    if (m[2]) {
      if (params.includes(id)) return undefined;
      if (!PURE_CALLS.has(id) && !C_WORDS.has(id)) calls.add(id);
    } else if (!params.includes(id) && !C_WORDS.has(id)) {
      reads.add(id);
    }
  }
  // Not a constant: a predicate reads its arguments or something else.
  if (params.length === 0) return undefined;
  return { reads: [...reads], calls: [...calls] };
}

/** `static inline bool f(const struct x *p) { return p->a && p->b == 1; }`: one return of a side-effect-free expression. */
const INLINE_RETURN = /^static\s+(?:(?:inline|__always_inline|__inline__|__inline)\s+)(?:[\w*]+\s+|\*)*?([A-Za-z_]\w*)\s*\(([^()]*)\)\s*\{\s*return\s+([^;{}]*);\s*\}/gm;

function inlinePredicates(file: string, text: string): MacroDef[] {
  if (!text.includes('inline')) return [];
  const out: MacroDef[] = [];
  const lineOf = lineCounter(text);
  INLINE_RETURN.lastIndex = 0;
  for (let m = INLINE_RETURN.exec(text); m; m = INLINE_RETURN.exec(text)) {
    const params: string[] = [];
    let ok = true;
    for (const p of m[2].split(',').map((x) => x.trim())) {
      if (p === 'void' || p === '') continue;
      const name = /([A-Za-z_]\w*)\s*$/.exec(p)?.[1];
      if (!name || p.includes('[') || p.includes('(') || p === name) { ok = false; break; }
      params.push(name);
    }
    if (!ok) continue;
    const body = m[3].trim();
    const predicate = predicateOf(params, body);
    if (predicate) out.push({ name: m[1], params, body, site: { file, line: lineOf(m.index), column: 1 }, predicate });
  }
  return out;
}

/**
 * The predicates of a set of headers (a kernel tree's include/linux): a name
 * defined more than once is one only if each of its definitions is (the
 * `#ifdef CONFIG_..` variants), and a name that is anything else too is none.
 */
export function predicateTable(files: Iterable<{ file: string; text: string }>, api: ApiTable): Map<string, MacroDef> {
  const out = new Map<string, MacroDef>();
  const other = new Set<string>();
  for (const f of files) {
    const { defs, impure } = scanWithImpure(f.file, f.text, api);
    for (const name of impure) other.add(name);
    for (const m of defs) {
      const prior = out.get(m.name);
      if (!m.predicate) other.add(m.name);
      else if (!prior) out.set(m.name, m);
      else if (prior.params.length !== m.params.length) other.add(m.name);
      else out.set(m.name, mergePredicates([prior, m])[0]);
    }
  }
  for (const name of other) out.delete(name);
  // Calls resolved here: a predicate calling anything but predicates is none, and the others read what their callees read.
  const memo = new Map<string, string[] | null>();
  for (const [name, m] of out) {
    const reads = predicateReads(out, name, memo);
    // Only what a condition needs (the table travels to every worker and into run records): no body, never expanded.
    if (reads) out.set(name, { name, params: m.params, body: '', site: m.site, predicate: { reads, calls: [] } });
    else out.delete(name);
  }
  return new Map(detached([...out]));
}

/**
 * What a predicate reads, through the predicates it calls (at most 4 deep): undefined when it
 * is none, calls anything but predicates, or calls itself. `memo` keeps what one table's names read.
 */
export function predicateReads(
  table: { get(name: string): MacroDef | undefined }, name: string, memo = new Map<string, string[] | null>(), depth = 0,
): string[] | undefined {
  const known = memo.get(name);
  if (known !== undefined) return known ?? undefined;
  const m = table.get(name);
  if (!m?.predicate || depth > 4) return undefined;
  memo.set(name, null); // a cycle is no predicate
  const reads = new Set(m.predicate.reads);
  for (const c of m.predicate.calls) {
    const inner = predicateReads(table, c, memo, depth + 1);
    if (!inner) return undefined;
    for (const r of inner) reads.add(r);
  }
  const out = [...reads];
  memo.set(name, out);
  return out;
}

/** Definitions of one predicate under different #ifdefs as one, reading what any of them reads; none when their arities differ. */
function mergePredicates(defs: MacroDef[]): MacroDef[] {
  const first = new Map<string, number>();
  const out: Array<MacroDef | undefined> = [];
  for (const m of defs) {
    const at = m.predicate ? first.get(m.name) : undefined;
    if (at === undefined) {
      if (m.predicate) first.set(m.name, out.length);
      out.push(m);
      continue;
    }
    const prior = out[at];
    if (!prior) continue;
    if (prior.params.length !== m.params.length) {
      out[at] = undefined;
      continue;
    }
    out[at] = {
      ...prior,
      predicate: {
        reads: [...new Set([...prior.predicate!.reads, ...m.predicate!.reads])],
        calls: [...new Set([...prior.predicate!.calls, ...m.predicate!.calls])],
      },
    };
  }
  return out.filter((m): m is MacroDef => m !== undefined);
}
