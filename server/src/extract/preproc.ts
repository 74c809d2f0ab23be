// Conditional compilation whose outcome the build fixes: `#if 0`, and the
// file switches of LINUX_FILE_SWITCHES (DEBUG) where the file never defines
// them. Only the arm such a build compiles is extracted; a condition on
// anything else (CONFIG_*, a header's macro) keeps every arm, as a reader sees them.
import type { CNode as SyntaxNode } from '../syntax/cnode';
import { LINUX_FILE_SWITCHES } from '../kernel-api/linux';

const DEFINITIONS = [...LINUX_FILE_SWITCHES].map((name) => ({ name, defined: new RegExp(`^[ \\t]*#[ \\t]*define[ \\t]+${name}\\b`, 'm') }));

/** The file switches (`DEBUG`) this file leaves undefined: it has no `#define` of them anywhere. */
export function undefinedSwitches(text: string): ReadonlySet<string> {
  const off = new Set<string>();
  // Defined anywhere in the file (even under another #if): not known to be off.
  for (const { name, defined } of DEFINITIONS) if (!defined.test(text)) off.add(name);
  return off;
}

const NO_SWITCHES: ReadonlySet<string> = new Set();

const CONDITIONALS = new Set(['preproc_if', 'preproc_ifdef', 'preproc_elif', 'preproc_elifdef']);

/**
 * The children of a conditional group (`#if`, `#ifdef`, `#elif`, `#else`) to walk: the arm the build
 * takes where its condition is fixed (the alternative is itself a group, walked the same way), else every
 * arm in sequence. The condition itself is never among them.
 */
export function conditionalArms(node: SyntaxNode, off: ReadonlySet<string> = NO_SWITCHES): SyntaxNode[] {
  if (!CONDITIONALS.has(node.type)) return node.namedChildren.filter((c): c is SyntaxNode => c !== null);
  const alternative = node.childForFieldName('alternative');
  const condition = node.childForFieldName('condition') ?? node.childForFieldName('name');
  const all = node.namedChildren.filter((c): c is SyntaxNode => c !== null && !(condition && c.id === condition.id));
  const value = node.type === 'preproc_ifdef' || node.type === 'preproc_elifdef'
    ? definedTest(node, condition, off)
    : evaluate(condition, off, 0);
  if (value === undefined) return all;
  if (value) return all.filter((c) => !(alternative && c.id === alternative.id));
  return alternative ? [alternative] : [];
}

/** `#ifdef NAME` / `#ifndef NAME` (and the `#elif` forms): known only for an undefined file switch. */
function definedTest(node: SyntaxNode, name: SyntaxNode | null, off: ReadonlySet<string>): boolean | undefined {
  if (name?.type !== 'identifier' || !off.has(name.text)) return undefined;
  // Undefined: `#ifdef` is false, `#ifndef` true.
  return /^#\s*(?:elifndef|ifndef)\b/.test(node.raw.child(0)?.text ?? '');
}

/** A #if expression's truth where the build fixes it: literals, `defined(SWITCH)`, `!`, `&&`, `||`. */
function evaluate(e: SyntaxNode | null, off: ReadonlySet<string>, depth: number): boolean | undefined {
  if (!e || depth > 32) return undefined;
  switch (e.type) {
    case 'number_literal': {
      const m = /^(\d+)[uUlL]*$/.exec(e.text);
      return m ? Number(m[1]) !== 0 : undefined;
    }
    case 'identifier':
      // An undefined macro is 0 in #if.
      return off.has(e.text) ? false : undefined;
    case 'preproc_defined': {
      const name = e.namedChildren.find((c) => c?.type === 'identifier');
      return name && off.has(name.text) ? false : undefined;
    }
    case 'parenthesized_expression':
      return evaluate(e.namedChild(0), off, depth + 1);
    case 'unary_expression': {
      if (e.childForFieldName('operator')?.text !== '!') return undefined;
      const v = evaluate(e.childForFieldName('argument'), off, depth + 1);
      return v === undefined ? undefined : !v;
    }
    case 'binary_expression': {
      const op = e.childForFieldName('operator')?.text;
      if (op !== '&&' && op !== '||') return undefined;
      const l = evaluate(e.childForFieldName('left'), off, depth + 1);
      const r = evaluate(e.childForFieldName('right'), off, depth + 1);
      // Three-valued: `0 && X` is false and `1 || X` true whatever X is.
      if (op === '&&') return l === false || r === false ? false : l === true && r === true ? true : undefined;
      return l === true || r === true ? true : l === false && r === false ? false : undefined;
    }
    default:
      return undefined;
  }
}
