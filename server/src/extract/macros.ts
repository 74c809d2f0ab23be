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
  if (!text.includes('#define') && !text.includes('# define')) return [];
  const out: MacroDef[] = [];
  DEFINE.lastIndex = 0;
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
    if (!interesting || api.byName.has(m[1])) continue;
    const line = text.slice(0, m.index).split('\n').length;
    out.push({ name: m[1], params, body, site: { file, line, column: 1 } });
  }
  TRUTH_DEFINE.lastIndex = 0;
  for (let m = TRUTH_DEFINE.exec(text); m; m = TRUTH_DEFINE.exec(text)) {
    const line = text.slice(0, m.index).split('\n').length;
    out.push({ name: m[1], params: [], body: m[2], site: { file, line, column: 1 }, constant: true });
  }
  return out;
}

/** `#define CAN_SLEEP true`, `#define NO_WAIT (0)`: object-like macros whose value is a truth value. */
const TRUTH_DEFINE = /^[ \t]*#[ \t]*define[ \t]+([A-Za-z_]\w*)[ \t]+\(?[ \t]*(true|false|0|1)[ \t]*\)?[ \t]*(?:\/\*.*\*\/[ \t]*|\/\/.*)?$/gm;

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
