// Function-like `#define` wrappers around the API (`foo_lock(x, flags)` ->
// spin_lock_irqsave(&(x)->lock, flags)). They are found by a cheap textual
// scan of the analysed files and headers, and expanded at each call by
// substituting the arguments and parsing the result as a statement.
import { parseCSync, type SyntaxNode, type Tree } from '../syntax/parser';
import type { ApiTable } from '../kernel-api/types';
import type { MacroDef } from './ir';

const DEFINE = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)\(([^)]*)\)((?:[^\n\\]|\\\r?\n|\\(?!\r?\n))*)/gm;
const IDENT = /[A-Za-z_]\w*/g;
/** Names that suggest a wrapper of a wrapper (kept so that chains of macros expand). */
const LOCKISH = /lock|irq|guard|mutex|sem|bh/i;

export function scanMacros(file: string, text: string, api: ApiTable): MacroDef[] {
  const out: MacroDef[] = scanGuardDefinitions(file, text);
  if (!text.includes('#define') && !text.includes('# define')) return out;
  DEFINE.lastIndex = 0;
  const lineOf = lineCounter(text);
  for (let m = DEFINE.exec(text); m; m = DEFINE.exec(text)) {
    const body = m[3].replace(/\\\r?\n/g, ' ').trim();
    if (!body || body.length > 2000) continue;
    let interesting = false;
    for (const id of body.match(IDENT) ?? []) {
      if (id !== m[1] && (api.byName.has(id) || (LOCKISH.test(id) && body.includes(`${id}(`)))) {
        interesting = true;
        break;
      }
    }
    const params = m[2].split(',').map((p) => p.trim()).filter((p) => p.length > 0);
    // A macro that calls one of its parameters (`CALL_RXH(rxh)` -> `res = rxh(rx)`) hides the calls
    // it is given: expanded, the handlers it runs keep their caller.
    if (!interesting) interesting = params.some((p) => /^[A-Za-z_]\w*$/.test(p) && new RegExp(`\\b${p}\\s*\\(`).test(body));
    if (api.byName.has(m[1])) continue;
    const line = lineOf(m.index);
    if (interesting) {
      out.push({ name: m[1], params, body, site: { file, line, column: 1 } });
      continue;
    }
    const passes = passedOn(params, body);
    if (passes.length > 0) out.push({ name: m[1], params, body, site: { file, line, column: 1 }, passes });
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
  const fn = tree.rootNode.namedChildren.find((c) => c?.type === 'function_definition');
  const body = fn?.childForFieldName('body');
  if (!body) {
    tree.delete();
    return undefined;
  }
  return { tree, body };
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

/** The top-level comma-separated arguments of a parenthesized list starting at `from` (after its `(`). */
function splitArguments(text: string, from: number): string[] | undefined {
  const args: string[] = [];
  let depth = 0;
  let start = from;
  for (let i = from; i < text.length && i - from < 2000; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) {
        args.push(text.slice(start, i).replace(/\\\r?\n/g, ' ').trim());
        return args;
      }
      depth--;
    } else if (c === ',' && depth === 0) {
      args.push(text.slice(start, i).replace(/\\\r?\n/g, ' ').trim());
      start = i + 1;
    }
  }
  return undefined;
}
