// extract: syntax tree -> FileFacts. Walks every function definition into a
// small control-flow graph of lock events, and collects what later stages need
// to name lock classes (struct layouts, typedefs, globals) and to bind
// handlers (registrations, ops-table initializers). ERROR nodes are walked
// through, never a reason to drop a function.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { ParseBudgetError, parseC, parseCSync, type Tree } from '../syntax/parser';
import { NodeCache, type CNode as SyntaxNode } from '../syntax/cnode';
import { SHARED_MODES, type ApiRow, type ApiTable } from '../kernel-api/types';
import type {
  AccessPath, Block, FileFacts, FunctionIR, Gap, GlobalDef, LockEvent, MacroDef, OpsBinding, Site, StructDef,
  StructField,
} from './ir';
import { callArguments, containerType, declaredName, functionDeclarator, siteOf, typeName } from './syntax-util';
import { ALL_CAPS, expandMacro, functionMacroNames, guardMacroName, lineCounter, predicateReads, scanMacros } from './macros';
import { guardKey } from '../kernel-api/load';
import { bitOpRow, LINUX_FUNCTION_DEFINERS, LINUX_LEAF_CALLS, LINUX_ORDERED_WQ_ALLOCATORS, LINUX_PM_OPS_MACROS, LINUX_PM_PTR_MACROS, LINUX_QUEUE_WORK_CALLS, LINUX_WQ_ALLOCATORS, LINUX_WQ_FREEZABLE_FLAG, LINUX_REF_OPS, LINUX_LOCAL_LISTS, refOpRow, type BitOpRow, type RefOpRow } from '../kernel-api/linux';
import { conditionalArms, undefinedSwitches } from './preproc';

export interface ExtractEnv {
  api: ApiTable;
  /** Function-like macros from the analysed tree that wrap API calls, and side-effect-free predicates. */
  macros: MacroTable;
  /** Static functions the file itself defines (such a definition wins over an API row or a leaf entry). */
  definedHere?: ReadonlySet<string>;
  /** File switches (`DEBUG`) the file leaves undefined: code under `#ifdef DEBUG` is not compiled (preproc.ts). */
  switchesOff?: ReadonlySet<string>;
}

/**
 * Syntax walked recursively (statements, expressions, nested #if, struct
 * members, initializer lists) deeper than this is not walked: it becomes a
 * Gap instead of a stack overflow. Kernel code nests a few dozen levels.
 */
export const MAX_NESTING = 500;

function nestingGap(node: SyntaxNode, file: string): Gap {
  return { site: siteOf(node, file), what: `nesting deeper than ${MAX_NESTING} levels: the code nested below is not analysed` };
}

/** Source text for a message or a name: whitespace runs (newlines too) as one space, clipped. */
function flatText(text: string, max: number): string {
  const t = (text.length > max * 4 ? text.slice(0, max * 4) : text).replace(/\s+/g, ' ');
  return t.length > max ? `${t.slice(0, max - 3)}...` : t;
}

export function contentHash(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

/** Why a file's extraction failed, as its skip reason: a parse over budget is not an internal error. */
export function extractionFailure(e: unknown): string {
  return e instanceof ParseBudgetError ? e.message : `internal error in extraction: ${(e as Error).message}`;
}

export async function extractSource(file: string, text: string, env: ExtractEnv): Promise<FileFacts> {
  const tree = await parseC(text);
  try {
    return extractTree(tree, file, text, env);
  } finally {
    tree.delete();
  }
}

/** Top-level macros that define a lock or a handler at file scope. */
const FILE_SCOPE_DEFINERS: Record<string, string> = {
  DEFINE_SPINLOCK: 'spinlock_t', DEFINE_RAW_SPINLOCK: 'raw_spinlock_t', DEFINE_RWLOCK: 'rwlock_t',
  DEFINE_MUTEX: 'mutex', DECLARE_RWSEM: 'rw_semaphore', DEFINE_SEMAPHORE: 'semaphore',
  DEFINE_SEQLOCK: 'seqlock_t', DEFINE_IDR: 'idr', DEFINE_XARRAY: 'xarray', DEFINE_IDA: 'ida',
};
const FILE_SCOPE_DEFINE = /^\s*(?:static\s+)?(?:__cacheline_aligned\w*\s+)?([A-Z_][A-Z0-9_]*)\s*\(\s*(\w+)\s*(?:,\s*&?\s*(\w+))?/;

/**
 * What an earlier extraction of the same file lends the next one (the
 * language server's, after an edit): each function's IR with what building it
 * added to the file's facts, by its text, position and file context. A
 * function whose text did not move keeps its FunctionIR object, so its
 * summary and resolved calls stay memoized downstream.
 */
interface FunctionLoan {
  fn: FunctionIR;
  bindings: OpsBinding[];
  gaps: Gap[];
  lockSites: number;
}

/** The macro table as extraction reads it: by name. */
export type MacroTable = Pick<ReadonlyMap<string, MacroDef>, 'get' | 'has'>;

/**
 * A file's own macros over the environment's, without copying the
 * environment's (~100,000 entries on drivers/, once per file: that copy cost
 * more than parsing the file): the environment's
 * definition wins, but a file's own predicate wins over a header's, and a
 * static function of the file hides a header's predicate of its name.
 */
function overlay(base: MacroTable, own: readonly MacroDef[], hidden: ReadonlySet<string>): MacroTable {
  const mine = new Map<string, MacroDef>();
  for (const m of own) if (!mine.has(m.name)) mine.set(m.name, m);
  const get = (name: string): MacroDef | undefined => {
    const b = hidden.has(name) ? undefined : base.get(name);
    const o = mine.get(name);
    return b && !(o?.predicate && b.predicate) ? b : o;
  };
  return { get, has: (name) => get(name) !== undefined };
}

interface ReuseTable {
  /** The environment the functions were built in: another one (macro table, API rows) lends nothing. */
  api: ApiTable;
  macros: MacroTable;
  fileKey: string;
  loans: Map<string, FunctionLoan>;
}

const reuseTables = new WeakMap<FileFacts, ReuseTable>();

/** Globals seen so far at file scope, with a key that names them all (a function is built against them). */
class FileGlobals extends Map<string, GlobalDef> {
  key = '';
  override set(name: string, g: GlobalDef): this {
    this.key += `${name}:${g.type}:${g.isStatic ? 's' : ''}:${g.site.line}:${g.site.column};`;
    return super.set(name, g);
  }
}

/**
 * `reuse`: keep what a later extraction of this file may reuse (`{}`), and
 * reuse from `previous`, an earlier extraction of the same file.
 */
export function extractTree(
  tree: Tree, file: string, text: string, env: ExtractEnv, reuse?: { previous?: FileFacts },
): FileFacts {
  const facts: FileFacts = {
    file, hash: contentHash(text), functions: [], structs: [], typedefs: [], globals: [], macros: [],
    bindings: [], registrations: [], lockSites: 0, errorNodes: 0, gaps: [],
  };
  facts.macros = scanMacros(file, text, env.api);
  const fnMacros = functionMacroNames(text);
  if (fnMacros.length > 0) facts.fnMacros = fnMacros;
  const baseEnv = env;
  env = { ...env }; // this extraction's own (what is memoized per environment is memoized per extraction)
  const fileGlobals = new FileGlobals();
  const root = new NodeCache().wrap(tree.rootNode);
  const index = new NodeIndex(root);
  facts.errorNodes = countErrors(root);
  // A static function this file defines is its own function, even where the API table or the leaf list has
  // the name (a driver's private phy_read). A non-static definition is the API itself (the core's own file,
  // mmc_release_host in drivers/mmc/core/core.c): the row still describes it for every caller.
  const defined = new Set<string>();
  for (const def of index.ofType('function_definition')) {
    const fd = def && functionDeclarator(def.childForFieldName('declarator'));
    const n = fd && declaredName(fd.childForFieldName('declarator'));
    if (n && isStaticNode(def)) defined.add(n.name);
  }
  if (defined.size > 0) env = { ...env, definedHere: defined };
  const switchesOff = undefinedSwitches(text);
  if (switchesOff.size > 0) env = { ...env, switchesOff };
  // A static function of the file hides a header's predicate of that name, unless the file says it is one.
  const hidden = new Set<string>();
  for (const name of defined) {
    if (env.macros.get(name)?.predicate && !facts.macros.some((m) => m.name === name && m.predicate)) hidden.add(name);
  }
  if (facts.macros.length > 0 || hidden.size > 0) env = { ...env, macros: overlay(env.macros, facts.macros, hidden) };

  const constants = enumConstants(index.ofType('enumerator_list'));
  if (constants) facts.constants = constants;

  // Struct definitions can appear anywhere (nested, in typedefs, in parameters).
  for (const spec of [...index.ofType('struct_specifier'), ...index.ofType('union_specifier')]) {
    if (spec && spec.childForFieldName('body')) collectStruct(spec, file, facts);
  }

  let lender: FunctionLender | undefined;
  if (reuse) {
    const fileKey = `${JSON.stringify(facts.macros)}\0${[...defined].sort().join(',')}\0${[...switchesOff].join(',')}`;
    const table: ReuseTable = { api: baseEnv.api, macros: baseEnv.macros, fileKey, loans: new Map() };
    reuseTables.set(facts, table);
    const prev = reuse.previous && reuseTables.get(reuse.previous);
    const usable = prev && prev.api === table.api && prev.macros === table.macros && prev.fileKey === fileKey ? prev : undefined;
    lender = { from: usable?.loans, to: table.loans };
  }
  for (const top of root.namedChildren) {
    if (!top) continue;
    visitTopLevel(top, file, facts, fileGlobals, env, index, text, 0, lender);
  }
  expandFunctionDefiners(text, file, facts, fileGlobals, env);
  return facts;
}

/**
 * After an edit: the functions this extraction rebuilt take over the objects
 * the previous extraction of the file had for them (same name, same order),
 * their IR replaced in place, so what later stages keep per function stays
 * keyed right. Returns each such function with a copy of what it was; none
 * when the file's functions are not the same ones (added, removed, renamed).
 */
export function adoptPrevious(facts: FileFacts, previous: FileFacts): Array<{ fn: FunctionIR; was: FunctionIR }> | undefined {
  const now = facts.functions;
  const before = previous.functions;
  if (now.length !== before.length || now.some((fn, i) => fn.name !== before[i].name)) return undefined;
  const kept = new Set(now);
  const adopted: Array<{ fn: FunctionIR; was: FunctionIR }> = [];
  const loans = reuseTables.get(facts)?.loans;
  for (let i = 0; i < now.length; i++) {
    const fresh = now[i];
    const old = before[i];
    if (fresh === old) continue;
    if (kept.has(old)) return undefined; // lent to another place: not this one's to take
    const was = { ...old };
    const target = old as unknown as Record<string, unknown>;
    // Fields the new IR lacks are cleared, not deleted (a deleted property makes every object of its shape slow).
    for (const k of Object.keys(target)) if (!(k in fresh)) target[k] = undefined;
    Object.assign(target, fresh);
    now[i] = old;
    for (const loan of loans?.values() ?? []) if (loan.fn === fresh) loan.fn = old;
    adopted.push({ fn: old, was });
  }
  return adopted;
}

interface FunctionLender {
  from?: ReadonlyMap<string, FunctionLoan>;
  to: Map<string, FunctionLoan>;
}

/** A function definition's IR: lent by the previous extraction when its text, place and context are the same, else built. */
function functionAt(
  top: SyntaxNode, file: string, facts: FileFacts, fileGlobals: FileGlobals, env: ExtractEnv, index: NodeIndex,
  source: string, lender: FunctionLender | undefined,
): void {
  if (!lender) {
    const fn = new FunctionBuilder(top, file, facts, fileGlobals, env, index, source).build();
    if (fn) facts.functions.push(fn);
    return;
  }
  const start = top.startPosition;
  const key = `${start.row}:${start.column}\0${fileGlobals.key}\0${source.slice(top.startIndex, top.endIndex)}`;
  const loan = lender.from?.get(key);
  // `unreferenced` reads the whole file: a lent function must still agree.
  if (loan && (loan.fn.unreferenced ?? false) === unreferencedIn(source, loan.fn.name, loan.fn.isStatic)) {
    facts.functions.push(loan.fn);
    facts.bindings.push(...loan.bindings);
    facts.gaps.push(...loan.gaps);
    facts.lockSites += loan.lockSites;
    lender.to.set(key, loan);
    return;
  }
  const before = { bindings: facts.bindings.length, gaps: facts.gaps.length, lockSites: facts.lockSites };
  const fn = new FunctionBuilder(top, file, facts, fileGlobals, env, index, source).build();
  if (!fn) return;
  facts.functions.push(fn);
  lender.to.set(key, {
    fn, bindings: facts.bindings.slice(before.bindings), gaps: facts.gaps.slice(before.gaps), lockSites: facts.lockSites - before.lockSites,
  });
}

const DEFINER_CALL = new RegExp(`^[ \\t]*(${Object.keys(LINUX_FUNCTION_DEFINERS).join('|')})[ \\t]*\\([ \\t]*([A-Za-z_]\\w*)[ \\t]*\\)`, 'gm');

/**
 * `DEF_SCSI_QCMD(fas216_queue_command)` at file scope (tree-sitter folds it into
 * the next function's head): the function it defines, extracted from the core's
 * body for it, its events placed at the invocation.
 */
function expandFunctionDefiners(
  source: string, file: string, facts: FileFacts, fileGlobals: Map<string, GlobalDef>, env: ExtractEnv,
): void {
  if (!source.includes('DEF_')) return;
  DEFINER_CALL.lastIndex = 0;
  const lineOf = lineCounter(source);
  for (let m = DEFINER_CALL.exec(source); m; m = DEFINER_CALL.exec(source)) {
    const body = LINUX_FUNCTION_DEFINERS[m[1]].split('$1').join(m[2]);
    const line = lineOf(m.index);
    const site: Site = { file, line, column: 1, endLine: line, endColumn: m[0].length + 1 };
    const tree = parseCSync(body);
    try {
      const root = new NodeCache().wrap(tree.rootNode);
      const def = root.namedChildren.find((c) => c?.type === 'function_definition');
      if (!def) continue;
      const fn = new FunctionBuilder(def, file, facts, fileGlobals, env, new NodeIndex(root), body, site).build();
      if (fn) facts.functions.push({ ...fn, site });
    } finally {
      tree.delete();
    }
  }
}

function visitTopLevel(
  top: SyntaxNode, file: string, facts: FileFacts, fileGlobals: FileGlobals, env: ExtractEnv,
  index: NodeIndex, source: string, depth = 0, lender?: FunctionLender,
): void {
  if (depth > MAX_NESTING) {
    facts.gaps.push(nestingGap(top, file));
    return;
  }
  switch (top.type) {
    case 'function_definition':
      functionAt(top, file, facts, fileGlobals, env, index, source, lender);
      return;
    case 'declaration':
      collectGlobalDeclaration(top, file, facts, fileGlobals, env);
      return;
    case 'type_definition': {
      const target = typeName(top.childForFieldName('type'));
      for (const d of top.childrenForFieldName('declarator')) {
        const n = d && declaredName(d);
        if (n && target && n.name !== target) facts.typedefs.push({ name: n.name, target });
      }
      return;
    }
    case 'expression_statement':
      fileScopeDefine(top, file, facts, fileGlobals, env);
      return;
    case 'preproc_ifdef':
    case 'preproc_if':
    case 'preproc_else':
    case 'preproc_elif':
    case 'preproc_elifdef':
    case 'linkage_specification':
    case 'declaration_list':
    case 'ERROR':
      // Conditional compilation: the arm a build takes where that is fixed, else every arm, as a reader sees them.
      for (const c of conditionalArms(top, env.switchesOff)) visitTopLevel(c, file, facts, fileGlobals, env, index, source, depth + 1, lender);
      return;
    default:
      return;
  }
}

/**
 * The ERROR nodes of the tree, walked for in the top-level items that hold an error only: tree-sitter gives
 * every ERROR node an error cost, and a node's cost sums its children's, so an item without one (hasError
 * false) holds no ERROR node. (A lone unlexable token is an ERROR leaf without cost of its own, but the parser
 * always wraps it in an error node that has one; the item can still be that leaf itself.)
 */
function countErrors(root: SyntaxNode): number {
  if (!root.hasError) return 0;
  if (root.type === 'ERROR') return root.raw.descendantsOfType('ERROR').length;
  let n = 0;
  for (const top of root.raw.children) {
    if (!top) continue;
    if (top.hasError) n += top.descendantsOfType('ERROR').length;
    else if (top.type === 'ERROR') n++;
  }
  return n;
}

function collectStruct(spec: SyntaxNode, file: string, facts: FileFacts): void {
  let name = spec.childForFieldName('name')?.text;
  if (!name) {
    // `typedef struct { ... } foo_t;` names the struct by its typedef.
    const parent = spec.parent;
    if (parent?.type === 'type_definition') name = declaredName(parent.childForFieldName('declarator'))?.name;
  }
  if (!name) return;
  const fields: StructField[] = [];
  addFields(spec.childForFieldName('body'), fields, name, file, facts);
  facts.structs.push({ name, fields, site: siteOf(spec, file) });
}

function addFields(
  body: SyntaxNode | null, fields: StructField[], owner: string, file: string, facts: FileFacts, depth = 0,
): void {
  if (!body) return;
  if (depth > MAX_NESTING) {
    facts.gaps.push(nestingGap(body, file));
    return;
  }
  for (const fd of body.namedChildren) {
    if (!fd || fd.type !== 'field_declaration') continue;
    const typeNode = fd.childForFieldName('type');
    const declarators = fd.childrenForFieldName('declarator').filter((d): d is SyntaxNode => !!d);
    if (declarators.length === 0 && typeNode && (typeNode.type === 'struct_specifier' || typeNode.type === 'union_specifier')
      && !typeNode.childForFieldName('name')) {
      // Anonymous member struct/union: its fields are reached directly.
      addFields(typeNode.childForFieldName('body'), fields, owner, file, facts, depth + 1);
      continue;
    }
    let type = typeName(typeNode);
    if (!type && typeNode && (typeNode.type === 'struct_specifier' || typeNode.type === 'union_specifier')) {
      // A named member of an anonymous struct type: give the type a name of its own.
      const first = declaredName(declarators[0] ?? null);
      if (first) {
        type = `${owner}.${first.name}`;
        const inner: StructField[] = [];
        addFields(typeNode.childForFieldName('body'), inner, type, file, facts, depth + 1);
        facts.structs.push({ name: type, fields: inner, site: siteOf(typeNode, file) });
      }
    }
    for (const d of declarators) {
      const n = declaredName(d);
      if (n) fields.push({ name: n.name, type: type ?? '?', pointer: n.pointer, isFnPtr: n.isFnPtr || undefined });
    }
  }
}

function collectGlobalDeclaration(
  decl: SyntaxNode, file: string, facts: FileFacts, fileGlobals: Map<string, GlobalDef>, env: ExtractEnv,
): void {
  const typeNode = decl.childForFieldName('type');
  const isStatic = isStaticNode(decl);
  if (typeNode?.type === 'type_identifier' && /^(DEFINE|DECLARE)_/.test(typeNode.text)) {
    fileScopeDefine(decl, file, facts, fileGlobals, env);
    return;
  }
  if (typeNode?.type === 'macro_type_specifier' && pmOpsDefine(decl, file, facts)) return;
  const type = typeName(typeNode);
  for (const d of decl.childrenForFieldName('declarator')) {
    if (!d) continue;
    const n = declaredName(d);
    if (!n) continue;
    if (d.type === 'function_declarator' || (n.node.parent?.type === 'function_declarator' && !n.isFnPtr)) continue;
    const g: GlobalDef = { name: n.name, type: type ?? '?', isStatic, site: siteOf(n.node, file) };
    if (n.value?.type === 'initializer_list') {
      const fns = d.descendantsOfType('array_declarator').length > 0 ? tableFunctions(n.value) : [];
      if (fns.length > 0) g.fns = fns;
      if (type) collectVariableBindings(n.name, n.value, type, file, facts);
    }
    facts.globals.push(g);
    fileGlobals.set(g.name, g);
  }
}

/** `static SIMPLE_DEV_PM_OPS(foo_pm, foo_suspend, foo_resume);`: a dev_pm_ops variable and its system-sleep callbacks (LINUX_PM_OPS_MACROS). */
function pmOpsDefine(decl: SyntaxNode, file: string, facts: FileFacts): boolean {
  const m = /^\s*(?:static\s+)?(?:const\s+)?([A-Z_][A-Z0-9_]*)\s*\(([^()]*)\)/.exec(decl.text.slice(0, 400));
  const macro = m ? LINUX_PM_OPS_MACROS.get(m[1]) : undefined;
  if (!m || !macro?.define) return false;
  const [variable, ...fns] = m[2].split(',').map((a) => a.trim());
  pmOpsBindings(fns, macro.fields, siteOf(decl, file), facts, variable);
  return true;
}

/** The dev_pm_ops bindings of a PM macro's function arguments (`NULL` and constants fill nothing). */
function pmOpsBindings(fns: string[], fields: string[][], site: Site, facts: FileFacts, variable?: string): void {
  fns.forEach((fn, i) => {
    if (!/^[a-z_]\w*$/.test(fn) || fn === 'NULL') return;
    for (const field of fields[i] ?? []) facts.bindings.push({ structType: 'dev_pm_ops', field, fn, site, ...(variable ? { variable } : {}) });
  });
}

/** The bindings of a variable's initializer (`static const struct foo_ops ops = { .f = fn }`), named by the variable. */
function collectVariableBindings(variable: string, list: SyntaxNode, structType: string, file: string, facts: FileFacts): void {
  const before = facts.bindings.length;
  collectInitializerBindings(list, structType, file, facts);
  for (let i = before; i < facts.bindings.length; i++) facts.bindings[i].variable = variable;
}

/** `.field = fn` inside an initializer of `struct type`, recursing into nested lists. */
function collectInitializerBindings(list: SyntaxNode, structType: string, file: string, facts: FileFacts, depth = 0): void {
  if (depth > MAX_NESTING) {
    facts.gaps.push(nestingGap(list, file));
    return;
  }
  const items = list.namedChildren.filter((c): c is SyntaxNode => !!c && c.type !== 'comment');
  // `{ START, END, is_sdma_eng_int }`: a purely positional list binds by position (`#2`), named at link time.
  const positional = items.every((c) => c.type !== 'initializer_pair' && c.type !== 'assignment_expression'
    && !c.type.startsWith('preproc_') && c.type !== 'ERROR');
  items.forEach((item, position) => {
    const fnName = positional && item.type !== 'initializer_list' ? functionNameOf(item) : undefined;
    if (fnName && !ALL_CAPS.test(fnName)) facts.bindings.push({ structType, field: `#${position}`, fn: fnName, site: siteOf(item, file) });
  });
  for (const item of items) {
    if (item.type === 'initializer_pair') {
      const designator = item.childForFieldName('designator');
      const value = item.childForFieldName('value');
      const field = designator?.type === 'field_designator' ? designator.namedChild(0)?.text : undefined;
      if (!field || !value) continue;
      const fnName = functionNameOf(value);
      if (fnName) facts.bindings.push({ structType, field, fn: fnName, site: siteOf(value, file) });
    } else if (item.type === 'assignment_expression') {
      // `#ifdef CONFIG_X` + `.field = fn,` inside an initializer recovers as `CONFIG_X.field = fn`.
      const left = item.childForFieldName('left');
      const field = left?.type === 'field_expression' ? left.childForFieldName('field')?.text : undefined;
      const value = item.childForFieldName('right');
      const fnName = value ? functionNameOf(value) : undefined;
      if (field && fnName && value) facts.bindings.push({ structType, field, fn: fnName, site: siteOf(value, file) });
    } else if (item.type === 'call_expression' && structType === 'dev_pm_ops') {
      // `{ SET_SYSTEM_SLEEP_PM_OPS(foo_suspend, foo_resume) }`: pm.h's macro fills the system-sleep fields.
      const macro = LINUX_PM_OPS_MACROS.get(item.childForFieldName('function')?.text ?? '');
      const args = item.childForFieldName('arguments')?.namedChildren.filter((a): a is SyntaxNode => !!a && a.type !== 'comment') ?? [];
      if (macro && !macro.define) pmOpsBindings(args.map((a) => a.text), macro.fields, siteOf(item, file), facts);
    } else if (item.type === 'initializer_list' || item.type.startsWith('preproc_') || item.type === 'ERROR') {
      // An array of ops structs (`{ { .a = f }, ... }`), or fields under #ifdef CONFIG_...: both count.
      collectInitializerBindings(item, structType, file, facts, depth + 1);
    }
  }
}

/** The function names an array's initializer lists (`{ f, g }`, `{ [A] = f, [B] = NULL }`); constants and NULL left out. */
function tableFunctions(list: SyntaxNode): string[] {
  const out: string[] = [];
  for (const item of list.namedChildren) {
    if (!item || out.length >= MAX_TABLE) break;
    const value = item.type === 'initializer_pair' && item.childForFieldName('designator')?.type !== 'field_designator'
      ? item.childForFieldName('value') : item;
    const fn = value ? functionNameOf(value) : undefined;
    if (fn && !ALL_CAPS.test(fn) && !out.includes(fn)) out.push(fn);
  }
  return out;
}

/** Functions read from one table's initializer at most: a longer one is data, not a set of callbacks. */
const MAX_TABLE = 64;

function functionNameOf(value: SyntaxNode): string | undefined {
  let v: SyntaxNode | null = value;
  // `pm_sleep_ptr(foo_resume)`: the function itself where it is called at all.
  if (v.type === 'call_expression' && LINUX_PM_PTR_MACROS.has(v.childForFieldName('function')?.text ?? '')) {
    const args = v.childForFieldName('arguments')?.namedChildren.filter((a): a is SyntaxNode => !!a && a.type !== 'comment') ?? [];
    if (args.length !== 1) return undefined;
    v = args[0];
  }
  if (v.type === 'pointer_expression' && v.childForFieldName('operator')?.text === '&') v = v.childForFieldName('argument');
  if (v?.type === 'cast_expression') v = v.childForFieldName('value');
  return v?.type === 'identifier' ? v.text : undefined;
}

function fileScopeDefine(
  node: SyntaxNode, file: string, facts: FileFacts, fileGlobals: Map<string, GlobalDef>, env: ExtractEnv,
): void {
  const text = node.text.length > 400 ? node.text.slice(0, 400) : node.text;
  const m = FILE_SCOPE_DEFINE.exec(text);
  if (!m) return;
  const [, macro, name, handler] = m;
  const isStatic = /^\s*static\b/.test(text);
  const site = siteOf(node, file);
  const lockType = FILE_SCOPE_DEFINERS[macro];
  if (lockType) {
    const g: GlobalDef = { name, type: lockType, isStatic, site };
    facts.globals.push(g);
    fileGlobals.set(name, g);
    return;
  }
  const row = env.api.byName.get(macro);
  if (row?.op === 'register' && handler) {
    const g: GlobalDef = { name, type: row.what, isStatic, site };
    facts.globals.push(g);
    fileGlobals.set(name, g);
    facts.registrations.push({
      kind: 'register', what: row.what, ctx: row.ctx, handler, api: macro, site,
      key: { text: name, base: name, baseKind: 'global', fields: [] },
    });
  }
}

/**
 * The nodes extraction acts on inside expressions (calls, assignments,
 * initializers), fetched from the tree in one bulk call and looked up by
 * position: walking every expression node across the JS/wasm boundary costs
 * several times the parse itself.
 */
class NodeIndex {
  /** Every node type any stage of extraction looks for; fetched in one walk of the tree. */
  static readonly TYPES = [
    'call_expression', 'assignment_expression', 'update_expression', 'init_declarator', 'declaration',
    'struct_specifier', 'union_specifier', 'function_definition', 'if_statement', 'enumerator_list',
  ]; // not 'ERROR': web-tree-sitter 0.27 returns nothing at all when it is in the list
  private static readonly IN_EXPRESSIONS = new Set(['call_expression', 'assignment_expression', 'update_expression', 'init_declarator']);
  private readonly nodes: SyntaxNode[];
  private readonly types: string[];
  private readonly starts: number[];
  private readonly ends: number[];

  constructor(root: SyntaxNode) {
    this.nodes = root.descendantsOfType(NodeIndex.TYPES).filter((n): n is SyntaxNode => !!n);
    for (const n of this.nodes) root.cache.share(n); // reached from a parent too, the same object (what is read of it, read once)
    this.types = this.nodes.map((n) => n.type);
    this.starts = this.nodes.map((n) => n.startIndex);
    this.ends = this.nodes.map((n) => n.endIndex);
  }

  ofType(type: string): SyntaxNode[] {
    return this.nodes.filter((_, i) => this.types[i] === type);
  }

  /**
   * The indexed nodes inside `node` (itself included) of the given types,
   * innermost first: arguments before their call. Default: what expressions hold.
   */
  within(node: SyntaxNode, types: ReadonlySet<string> = NodeIndex.IN_EXPRESSIONS): SyntaxNode[] {
    const start = node.startIndex;
    const end = node.endIndex;
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] < start) lo = mid + 1;
      else hi = mid;
    }
    const picked: number[] = [];
    for (let i = lo; i < this.starts.length && this.starts[i] < end; i++) {
      if (this.ends[i] <= end && types.has(this.types[i])) picked.push(i);
    }
    if (picked.length > 1) picked.sort((a, b) => this.ends[a] - this.ends[b] || this.starts[b] - this.starts[a]);
    return picked.map((i) => this.nodes[i]);
  }
}

const DECLARATIONS = new Set(['declaration']);
/** Where a local is given a value. */
const ALIAS_SOURCES: ReadonlySet<string> = new Set(['init_declarator', 'assignment_expression']);
/** Values that name an object: `&p->lock`, `p->lockp`, `&locks[i]`, `locks + i`, `get_lock(p, i)`. */
const ALIAS_VALUE_TYPES: ReadonlySet<string> = new Set([
  'pointer_expression', 'field_expression', 'subscript_expression', 'binary_expression', 'call_expression', 'parenthesized_expression',
]);
const IF_STATEMENTS = new Set(['if_statement']);
const LEAF_CALLS: ReadonlySet<string> = new Set(LINUX_LEAF_CALLS);
const IDENTIFIER = /[A-Za-z_]\w*/g;
/** The first name an if-condition tests: `if (p`, `if (!p`, `if (!(p`. */
const IF_TESTED = /\bif\s*\(\s*!?\s*\(?\s*(\w+)/g;
/** A condition testing a flag bit: `if (!test_bit(`, `if (test_and_clear_bit(`. */
const BIT_TESTED = /\b(?:if|while)\s*\(\s*!?\s*\(?\s*(?:__)?test(?:_and_[a-z]+)?_bit\w*\s*\(/;
/** The variable a bit test's bitmap is reached through: `trans` of `test_bit(X, &trans->status)`. */
const BIT_TESTED_BASE = /\b(?:__)?test(?:_and_[a-z]+)?_bit\w*\s*\(\s*\w+\s*,\s*&?\s*\(?\s*(\w+)/g;
/** The bitmap field a bit operation names: `status` of `set_bit(X, &trans->status)`. */
const BIT_OP_FIELD = /\b(?:__)?(?:test_and_[a-z]+|test|set|clear|change|assign)_bit\w*\s*\([^,()]+,\s*&?\s*[\w>.-]*?(?:->|\.)(\w+)\s*[,)]/g;


/** The variable a reference-count operation's object is reached through: `device` of `kref_get(&device->kref)`. */
const REF_OBJ_BASE = new RegExp(`\\b(?:${Object.keys(LINUX_REF_OPS).join('|')})\\s*\\(\\s*&?\\s*\\(?\\s*(\\w+)`, 'g');

/** A branch on a reference-count test: `if (!kref_get_unless_zero(`, `if (refcount_dec_and_test(`. */
const REF_TESTED = new RegExp(`\\b(?:if|while)\\s*\\([^;{]*\\b(?:${Object.entries(LINUX_REF_OPS).filter(([, r]) => r.op === 'tryget' || r.op === 'dectest').map(([n]) => n).join('|')})\\s*\\(`);

/** The same piece of source (a call that is also the branch condition being evaluated). */
function sameSpan(a: SyntaxNode, b: SyntaxNode | undefined): boolean {
  return b !== undefined && a.startIndex === b.startIndex && a.endIndex === b.endIndex;
}

/** The distinct first groups of a global pattern's matches in text, at most 16. */
function firstGroups(re: RegExp, text: string): string[] {
  const out = new Set<string>();
  re.lastIndex = 0;
  for (let m = re.exec(text); m && out.size < 16; m = re.exec(text)) out.add(m[1]);
  return [...out];
}

/** Variables whose objects' reference counts the function changes or tests: assigning one makes what was known stale. */
function refCountedIdents(text: string): string[] {
  return firstGroups(REF_OBJ_BASE, text);
}

/** Variables whose bitmaps a condition tests a flag bit of. */
function bitTestedIdents(text: string): string[] {
  return text.includes('_bit') ? firstGroups(BIT_TESTED_BASE, text) : [];
}

/** Fields of a file that its bit operations name as bitmaps (one source at a time, as identifierCounts). */
let bitmapFieldsOf: { source: string; fields: Set<string> } | undefined;
function bitmapFields(source: string): ReadonlySet<string> {
  if (bitmapFieldsOf?.source === source) return bitmapFieldsOf.fields;
  const fields = new Set<string>();
  if (source.includes('_bit')) {
    BIT_OP_FIELD.lastIndex = 0;
    for (let m = BIT_OP_FIELD.exec(source); m; m = BIT_OP_FIELD.exec(source)) fields.add(m[1]);
  }
  bitmapFieldsOf = { source, fields };
  return fields;
}

/**
 * Per environment, whether an identifier names a lock API, a wrapper macro or a guard (namesLockApi). Each
 * extraction has an environment object of its own (extractTree), so a table changed between two files is
 * never read from here.
 */
const lockNamesOf = new WeakMap<ExtractEnv, Map<string, boolean>>();

/** Loop/switch targets for break and continue while building a function's CFG. */
interface JumpTargets {
  breakTo?: number;
  continueTo?: number;
  /** guard() scopes open inside the loop, released on break/continue. */
  guardDepth: number;
}

interface GuardScope {
  releases: LockEvent[];
}

class FunctionBuilder {
  private readonly blocks: Block[] = [{ events: [], succ: [] }];
  private cur = 0;
  private readonly exit: number;
  private readonly labels = new Map<string, number>();
  private readonly params: Array<{ name: string; type?: string }> = [];
  private readonly locals = new Map<string, string | undefined>();
  /** Locals declared as pointers (not function pointers). */
  private readonly pointerLocals = new Set<string>();
  /** Pointer locals with one value: the expression, and whether it is set once outside any loop (findAliases). */
  private readonly aliases = new Map<string, { value: SyntaxNode; once: boolean; opaque: boolean }>();
  /** Identifiers read by the function's side-effect-free if-conditions: assigning one forgets what the path knew of them. */
  private guardIdents: ReadonlySet<string> = new Set();
  /** The keys of those conditions: an early exit on one (`if (autostopped) goto skip;`) is remembered too. */
  private guardKeys: ReadonlySet<string> = new Set();
  /** The bit-test call a branch condition is (its test and write are emitted on the branches, not at the call). */
  private bitCondition: SyntaxNode | undefined;
  /**
   * The function's own list heads that start empty and are followed (LINUX_LOCAL_LISTS): each one's name and
   * where its last use in the body ends. Every use is the declaration, `&l` handed to a call, or `LIST_HEAD(l)`.
   */
  private localLists: ReadonlyMap<string, number> = new Map();
  /** The reference-count test a branch condition is (`refcount_dec_and_test(..)`: its effect is on the branches). */
  private refCondition: SyntaxNode | undefined;
  /** What a side-effect-free predicate call in a condition reads (macros.ts predicateOf). */
  private readonly predicates: PredicateReads = (name, arity) =>
    (this.env.macros.get(name)?.params.length === arity ? predicateReads(this.env.macros, name) : undefined);
  private readonly gaps: Gap[] = [];
  private readonly guardScopes: GuardScope[] = [];
  private readonly annotations: string[] = [];
  private name = '';
  private macroDepth = 0;
  /** Current recursion depth of statement()/expression(); see MAX_NESTING. */
  private nesting = 0;
  private nestingGapAdded = false;

  constructor(
    private readonly def: SyntaxNode,
    private readonly file: string,
    private readonly facts: FileFacts,
    private readonly fileGlobals: ReadonlyMap<string, GlobalDef>,
    private readonly env: ExtractEnv,
    private index: NodeIndex,
    private readonly source: string,
    /** Every event at this site: the function comes from a macro invoked there (also set while a macro expansion is walked). */
    private siteOverride?: Site,
  ) {
    this.exit = this.newBlock();
  }

  build(): FunctionIR | undefined {
    const fdecl = functionDeclarator(this.def.childForFieldName('declarator'));
    const nameNode = fdecl ? declaredName(fdecl.childForFieldName('declarator')) : undefined;
    if (!fdecl || !nameNode) return undefined;
    this.name = nameNode.name;
    for (const p of fdecl.childForFieldName('parameters')?.namedChildren ?? []) {
      if (p?.type !== 'parameter_declaration') continue;
      const n = declaredName(p.childForFieldName('declarator'));
      if (n) this.params.push({ name: n.name, type: typeName(p.childForFieldName('type')) });
    }
    const body = this.def.childForFieldName('body');
    if (!body) return undefined;
    for (const decl of this.index.within(body, DECLARATIONS)) {
      if (!decl) continue;
      const type = typeName(decl.childForFieldName('type'));
      for (const d of decl.childrenForFieldName('declarator')) {
        const n = d && declaredName(d);
        if (!n) continue;
        this.locals.set(n.name, type);
        if (n.pointer && !n.isFnPtr) this.pointerLocals.add(n.name);
        // `static const struct mt76_driver_ops drv_ops = { .rx_check = f, ... };` inside a probe binds like a global.
        if (n.value?.type === 'initializer_list' && type) collectVariableBindings(n.name, n.value, type, this.file, this.facts);
      }
    }
    this.findAliases(body);
    this.localLists = findLocalLists(body);
    // From the source, not the tree: annotations such as __init were blanked for the parser.
    const headText = this.source.slice(this.def.startIndex, body.startIndex);
    const initOnly = /\b__(?:init|exit|ref|devinit|initdata)\b/.test(headText);
    this.readAnnotations(headText);

    if (this.needsControlFlow(body)) {
      const guards = guardConditions(this.index.within(body, IF_STATEMENTS), (text) => this.namesLockApi(text), this.predicates);
      this.guardIdents = guards.idents;
      this.guardKeys = guards.keys;
      // The objects whose flag bits a condition tests: assigning the variable (or the bitmap) makes what was known stale.
      const bitIdents = bitTestedIdents(body.text);
      if (bitIdents.length > 0) this.guardIdents = new Set([...this.guardIdents, ...bitIdents]);
      // A guarded local copied from an access path (copyOf reads guardIdents): assigning what the path reads ends
      // the copy too. And the objects whose reference counts the path follows: assigning the variable names another.
      const more = [
        ...[...this.index.within(body, ALIAS_SOURCES)].flatMap((n) => this.copyOf(n)?.idents ?? []),
        ...refCountedIdents(body.text),
      ];
      if (more.length > 0) this.guardIdents = new Set([...this.guardIdents, ...more]);
      this.statement(body);
    } else {
      this.expression(body); // its calls in order, in one block
    }
    this.jump(this.exit);

    const isStatic = isStaticNode(this.def);
    const returnDeclarator = this.def.childForFieldName('declarator');
    const returnType = typeName(this.def.childForFieldName('type'));
    return {
      name: this.name,
      file: this.file,
      site: siteOf(nameNode.node, this.file),
      isStatic,
      unreferenced: unreferencedIn(this.source, this.name, isStatic) || undefined,
      initOnly: initOnly || this.annotations.includes('init-only'),
      annotations: this.annotations,
      params: this.params,
      returnType: returnDeclarator?.type === 'pointer_declarator' ? returnType : undefined,
      ...(returnDeclarator?.type === 'pointer_declarator' ? this.returnedPath(body) : {}),
      blocks: this.blocks,
      exit: this.exit,
      gaps: this.gaps,
    };
  }

  /**
   * Pointer locals given one value only (`struct mutex *l = &dev->lock;`, or
   * `l = get_queue_lock(ctx, i);` at each turn of a loop): a lock call on the
   * local locks what that expression names. A local given two different values
   * names no one lock and stays itself.
   */
  private findAliases(body: SyntaxNode): void {
    if (this.pointerLocals.size === 0) return;
    const values = new Map<string, SyntaxNode[]>();
    const add = (name: string, value: SyntaxNode | null | undefined): void => {
      if (!this.pointerLocals.has(name)) return;
      const list = values.get(name) ?? [];
      list.push(value ?? body); // no value known: never an alias
      values.set(name, list);
    };
    const onceOutsideLoops = new Set<string>();
    for (const n of this.index.within(body, ALIAS_SOURCES)) {
      if (n.type === 'init_declarator') {
        const d = declaredName(n);
        if (d) add(d.name, d.value);
        // (Asked of pointer locals only: no other name is ever looked up there.)
        if (d && this.pointerLocals.has(d.name) && !insideLoop(n, body)) onceOutsideLoops.add(d.name);
      } else {
        const left = n.childForFieldName('left');
        if (left?.type === 'identifier') add(left.text, n.childForFieldName('operator')?.text === '=' ? n.childForFieldName('right') : null);
      }
    }
    for (const [name, list] of values) {
      const first = list[0];
      if (!ALIAS_VALUE_TYPES.has(first.type) || !list.every((v) => v.text === first.text)) continue;
      if (new RegExp(`\\b${name}\\b`).test(first.text)) continue;
      // Handed on whole only as an address (`&locks[i]`, `locks + i`), never a call's result (`container_of(..)`),
      // and only where the function never reaches through the local.
      const opaque = first.type !== 'call_expression' && !new RegExp(`\\b${name}\\s*(?:->|\\.|\\[)`).test(body.text);
      this.aliases.set(name, { value: first, once: list.length === 1 && onceOutsideLoops.has(name), opaque });
    }
  }

  /**
   * The path a lock call's argument names: through a pointer local's one value (findAliases).
   * A local set once, outside any loop, is one object for the whole function even when its
   * value names none by itself (`&locks[i]`): the local names it.
   */
  private argPath(node: SyntaxNode): AccessPath {
    const alias = node.type === 'identifier' ? this.aliases.get(node.text) : undefined;
    if (!alias) return this.path(node);
    const p = this.path(alias.value);
    return p.fuzzy && alias.once ? { ...p, inst: node.text } : p;
  }

  /**
   * The path a call hands on: a pointer local's one value only where that value is an address and
   * the function never reaches through the local (`lockp`, never `lockp->x`). A local it reaches
   * through (`priv->conf_mutex`) stays itself, so that the callee's locks on it meet the caller's
   * own; a call's result (`container_of(w, ..)`) would name no class at all.
   */
  /**
   * The path a handler's key argument names (a registration's, a HandlerSwitch's): through a pointer local's one
   * value, or, for a local given several (`napi = &p->rx_ring[i]->napi; napi_disable(napi);` then the same for the
   * tx rings), the value the statement just before in the same block gave it.
   */
  private keyPath(node: SyntaxNode): AccessPath {
    if (node.type !== 'identifier' || !this.pointerLocals.has(node.text) || this.aliases.has(node.text)) return this.argPath(node);
    let stmt: SyntaxNode | null = node;
    while (stmt && stmt.parent && stmt.parent.type !== 'compound_statement') stmt = stmt.parent;
    let prev = stmt?.parent ? stmt.previousSibling : null;
    while (prev?.type === 'comment') prev = prev.previousSibling;
    const assign = prev?.type === 'expression_statement' ? prev.namedChild(0) : null;
    if (assign?.type === 'assignment_expression' && assign.childForFieldName('operator')?.text === '='
      && assign.childForFieldName('left')?.text === node.text) {
      const value = assign.childForFieldName('right');
      // Not a value read through the local itself (`napi = napi->next`); a field of that name is not the local (`->napi`).
      if (value && !new RegExp(`(?<![\\w.>])${node.text}\\b`).test(value.text)) return this.path(value);
    }
    return this.path(node);
  }

  /** A forwarding macro's own argument text as a path: a name of this function's scope, else nothing. */
  private textPath(text: string): AccessPath {
    return /^[A-Za-z_]\w*$/.test(text) && !ALL_CAPS.test(text) ? this.basePath(text, [], false, text) : NO_PATH;
  }

  private callArgPath(node: SyntaxNode): AccessPath {
    const alias = node.type === 'identifier' ? this.aliases.get(node.text) : undefined;
    return alias?.opaque ? this.argPath(node) : this.path(node);
  }

  /**
   * A getter returning a lock inside one of its parameters (`return &ctx->queue_locks[idx];`),
   * its only statement: what a lock call on its result locks (see Program.lockRef).
   */
  private returnedPath(body: SyntaxNode): { returnsPath?: AccessPath } {
    const stmts = body.namedChildren.filter((c) => c && c.type !== 'comment');
    if (stmts.length !== 1 || stmts[0]?.type !== 'return_statement') return {};
    const expr = stmts[0].namedChild(0);
    if (!expr || !ALIAS_VALUE_TYPES.has(expr.type) || expr.type === 'call_expression') return {};
    const p = this.path(expr);
    return p.baseKind === 'param' && p.fields.length > 0 ? { returnsPath: p } : {};
  }

  /** Whether the text names a lock API, a wrapper macro or a guard. */
  private namesLockApi(text: string): boolean {
    let known = lockNamesOf.get(this.env);
    if (!known) lockNamesOf.set(this.env, (known = new Map()));
    IDENTIFIER.lastIndex = 0;
    for (let m = IDENTIFIER.exec(text); m; m = IDENTIFIER.exec(text)) {
      const id = m[0];
      let names = known.get(id);
      if (names === undefined) {
        const macro = this.env.macros.get(id);
        names = this.env.api.byName.has(id) || (macro !== undefined && !macro.constant && !macro.passes && !macro.predicate && !macro.forward)
          || id === 'guard' || id === 'scoped_guard';
        known.set(id, names);
      }
      if (names) return true;
    }
    return false;
  }

  /**
   * Whether the body's control flow can matter: it names something the API
   * table or a macro knows (a lock, wait, registration, guard), or a branch
   * tests a parameter (conditional locking through a flag). Otherwise the
   * order of its calls is all a summary uses, and walking every statement
   * across the wasm boundary would cost more than parsing the file.
   */
  private needsControlFlow(body: SyntaxNode): boolean {
    const text = body.text;
    if (this.namesLockApi(text)) return true;
    // A flag bit tested: a path past it knows the bit (a callee's wait guarded by that bit may be out of reach).
    if (text.includes('_bit') && BIT_TESTED.test(text)) return true;
    // A reference count tested (`if (refcount_dec_and_test(..))`): what only the last put does is on one branch.
    if (REF_TESTED.test(text)) return true;
    // A list of its own walked or tested: a walk's body runs only on paths that may have filled the list.
    if (this.localLists.size > 0 && this.params.length > 0) return true;
    if (this.params.length === 0 || !text.includes('if')) return false;
    // One pattern for every function (a pattern built per function cost more than the test).
    const params = new Set(this.params.map((p) => p.name));
    IF_TESTED.lastIndex = 0;
    for (let m = IF_TESTED.exec(text); m; m = IF_TESTED.exec(text)) if (params.has(m[1])) return true;
    return false;
  }

  /** `/* lockscope: init-only *\/` in a comment right before (or inside the head of) the function. */
  private readAnnotations(headText: string): void {
    const texts = [headText];
    let prev = this.def.previousSibling;
    for (let i = 0; prev && prev.type === 'comment' && i < 4; i++, prev = prev.previousSibling) texts.push(prev.text);
    for (const t of texts) {
      for (const m of t.matchAll(/lockscope:\s*([a-z][a-z-]*(?:\s+(?:hardirq|softirq|process))?)/g)) {
        this.annotations.push(m[1].trim());
      }
    }
  }

  private newBlock(): number {
    this.blocks.push({ events: [], succ: [] });
    return this.blocks.length - 1;
  }

  private emit(ev: LockEvent): void {
    if (this.cur >= 0) this.blocks[this.cur].events.push(ev);
  }

  private jump(to: number): void {
    if (this.cur >= 0 && !this.blocks[this.cur].succ.includes(to)) this.blocks[this.cur].succ.push(to);
  }

  /** Start a block reached from nowhere yet (after return/goto): code there is unreachable unless labelled. */
  private startDetached(): void {
    this.cur = this.newBlock();
  }

  private site(node: SyntaxNode): Site {
    return this.siteOverride ?? siteOf(node, this.file);
  }

  private labelBlock(name: string): number {
    let b = this.labels.get(name);
    if (b === undefined) {
      b = this.newBlock();
      this.labels.set(name, b);
    }
    return b;
  }

  /** Recursion guard around statementNode() and expressionNode(): too deep is one Gap per function. */
  private enterNested(node: SyntaxNode): boolean {
    if (this.nesting >= MAX_NESTING) {
      if (!this.nestingGapAdded) this.gaps.push(nestingGap(node, this.file));
      this.nestingGapAdded = true;
      return false;
    }
    this.nesting++;
    return true;
  }

  private statement(node: SyntaxNode | null): void {
    if (!node || !this.enterNested(node)) return;
    try {
      this.statementNode(node);
    } finally {
      this.nesting--;
    }
  }

  private statementNode(node: SyntaxNode): void {
    switch (node.type) {
      case 'compound_statement':
        this.compound(node);
        return;
      case 'if_statement':
        this.ifStatement(node);
        return;
      case 'while_statement':
      case 'for_statement':
        this.loop(node, false);
        return;
      case 'do_statement':
        this.loop(node, true);
        return;
      case 'switch_statement':
        this.switchStatement(node);
        return;
      case 'return_statement': {
        for (const c of node.namedChildren) if (c) this.expression(c);
        this.releaseGuards(0);
        this.jump(this.exit);
        this.startDetached();
        return;
      }
      case 'goto_statement': {
        const label = node.childForFieldName('label')?.text;
        if (label) {
          this.releaseGuards(0);
          this.jump(this.labelBlock(label));
        }
        this.startDetached();
        return;
      }
      case 'break_statement':
      case 'continue_statement': {
        const t = this.jumpTargets[this.jumpTargets.length - 1];
        const to = node.type === 'break_statement' ? t?.breakTo : t?.continueTo;
        if (t && to !== undefined) {
          this.releaseGuards(t.guardDepth);
          this.jump(to);
          this.startDetached();
        }
        return;
      }
      case 'labeled_statement': {
        const label = node.childForFieldName('label')?.text;
        if (label) {
          const b = this.labelBlock(label);
          this.jump(b);
          this.cur = b;
        }
        for (const c of node.namedChildren) if (c && c.type !== 'statement_identifier') this.statement(c);
        return;
      }
      case 'case_statement':
        // Handled by switchStatement; a stray case (in ERROR recovery) is just its statements.
        for (const c of node.namedChildren) if (c) this.statement(c);
        return;
      case 'expression_statement':
        if (!this.ternaryStatement(node)) for (const c of node.namedChildren) if (c) this.expression(c);
        return;
      case 'declaration':
      case 'init_declarator':
        for (const c of node.namedChildren) if (c) this.expression(c);
        return;
      case 'comment':
        return;
      case 'preproc_ifdef':
      case 'preproc_if':
      case 'preproc_else':
      case 'preproc_elif':
      case 'preproc_elifdef':
        // The arm a build takes where that is fixed (`#if 0`, `#ifdef DEBUG`), else every arm in sequence:
        // a lock taken under either counts.
        for (const c of conditionalArms(node, this.env.switchesOff)) {
          if (c.type.endsWith('statement') || c.type.startsWith('preproc_') || c.type === 'declaration' || c.type === 'ERROR'
            || c.type === 'labeled_statement' || c.type === 'compound_statement') this.statement(c);
        }
        return;
      case 'ERROR':
        this.gaps.push({ site: this.site(node), what: 'syntax error recovered' });
        for (const c of node.namedChildren) if (c) this.statement(c);
        return;
      default:
        if (node.type.endsWith('_statement')) {
          for (const c of node.namedChildren) if (c) this.statement(c);
        } else {
          this.expression(node);
        }
    }
  }

  private compound(node: SyntaxNode): void {
    const depth = this.guardScopes.length;
    this.guardScopes.push({ releases: [] });
    const children = node.namedChildren;
    for (let i = 0; i < children.length; i++) {
      const c = children[i];
      if (!c) continue;
      const scoped = this.scopedGuardCall(c);
      if (scoped) {
        // `scoped_guard(spinlock, &l) { ... }` parses as a call followed by its body.
        const body = children[i + 1];
        this.guardScopes.push({ releases: [] });
        this.guard(scoped.kind, scoped.lockArg, scoped.call);
        if (body) {
          this.statement(body);
          i++;
        }
        this.popGuardScope();
        continue;
      }
      // (`again: list_for_each_entry(..) { .. }`: the label is on the loop's head.)
      const label = c.type === 'labeled_statement' ? c.childForFieldName('label')?.text : undefined;
      const labeled = label ? c.namedChildren.filter((n) => n && n.type !== 'statement_identifier') : [];
      const iterator = macroLoopHead(label && labeled.length === 1 ? labeled[0]! : c);
      const loopBody = children[i + 1];
      if (iterator && loopBody) {
        if (label) {
          const b = this.labelBlock(label);
          this.jump(b);
          this.cur = b;
        }
        this.macroLoop(iterator, loopBody);
        i++;
        continue;
      }
      this.statement(c);
    }
    while (this.guardScopes.length > depth) this.popGuardScope();
  }

  /**
   * `list_for_each_entry(pos, head, member) { ... }` parses as a call missing
   * its `;` followed by a block: a loop, so that `continue` and `break` in the
   * block go to this loop's head and end, not to an enclosing loop's.
   */
  private macroLoop(call: SyntaxNode, body: SyntaxNode): void {
    const head = this.newBlock();
    const after = this.newBlock();
    const bodyB = this.newBlock();
    this.jump(head);
    this.cur = head;
    const args = call.childForFieldName('arguments')?.namedChildren ?? [];
    for (const a of args) if (a) this.expression(a);
    this.jump(bodyB);
    this.jump(after);
    this.cur = bodyB;
    // A walk of the function's own list: the body runs only where something may have been put on it.
    const name = call.childForFieldName('function')?.text ?? '';
    const headArg = LINUX_LOCAL_LISTS.loops.get(name);
    const walked = headArg === undefined ? undefined : this.localListArg(args[headArg] ?? null);
    if (walked) this.emitListEmpty(walked, false, this.site(call));
    this.jumpTargets.push({ breakTo: after, continueTo: head, guardDepth: this.guardScopes.length });
    this.statement(body);
    this.jumpTargets.pop();
    this.jump(head);
    this.cur = after;
    this.forgetLists(body.endIndex);
  }

  /**
   * After a loop that ends at `end`: what the path knows of the function's own lists not used after it. It
   * decides nothing further, and the paths that differ only by it merge again.
   */
  private forgetLists(end: number): void {
    for (const [name, lastUse] of this.localLists) {
      if (lastUse <= end) this.emit({ kind: 'forget', ident: name, site: this.site(this.def) });
    }
  }

  /** `&l` of a followed local list head: its name. */
  private localListArg(arg: SyntaxNode | null): string | undefined {
    if (this.localLists.size === 0) return undefined;
    const { node } = stripNegations(arg, 4);
    if (node?.type !== 'pointer_expression' || node.childForFieldName('operator')?.text !== '&') return undefined;
    const id = node.childForFieldName('argument');
    return id?.type === 'identifier' && this.localLists.has(id.text) ? id.text : undefined;
  }

  /** `list_empty(&l)` (under `!` and parentheses) of a followed local list: the list, and the polarity. */
  private listEmptyTest(cond: SyntaxNode | null): { list: string; truthy: boolean } | undefined {
    if (this.localLists.size === 0) return undefined;
    const { node, truthy } = stripNegations(cond, 16);
    if (node?.type !== 'call_expression' || !LINUX_LOCAL_LISTS.empty.includes(node.childForFieldName('function')?.text ?? '')) return undefined;
    const args = callArguments(node);
    const list = args.length === 1 ? this.localListArg(args[0]) : undefined;
    return list ? { list, truthy } : undefined;
  }

  /**
   * On this path the list is empty (or not): a test the path must agree with. Only `empty` is remembered
   * after it: only a call naming the list puts entries there, but `list_del(&n->entry)` takes one off
   * without naming it, so a list seen not empty may be empty by the next test.
   */
  private emitListEmpty(list: string, empty: boolean, site: Site): void {
    this.emit({ kind: 'test', key: listKey(list), truthy: empty, idents: [list], site });
    if (!empty) this.emit({ kind: 'forget', ident: list, site });
  }

  /**
   * A call that names a followed local list: `INIT_LIST_HEAD(&l)` / `LIST_HEAD(l)` empties it; any other
   * call given `&l` but a read may put entries on it (list_add(), or a helper collecting there).
   */
  private localListCall(node: SyntaxNode): void {
    const name = node.childForFieldName('function')?.text ?? '';
    const args = callArguments(node);
    if (LINUX_LOCAL_LISTS.declare.includes(name)) {
      const id = args.length === 1 ? args[0] : undefined;
      if (id?.type === 'identifier' && this.localLists.has(id.text)) this.emptyList(id.text, node);
      return;
    }
    if (LINUX_LOCAL_LISTS.reads.includes(name) || LINUX_LOCAL_LISTS.loops.has(name)) return;
    const init = LINUX_LOCAL_LISTS.init.includes(name) && args.length === 1 ? this.localListArg(args[0]) : undefined;
    if (init) {
      this.emptyList(init, node);
      return;
    }
    for (const a of args) {
      const list = this.localListArg(a);
      if (list) this.emit({ kind: 'forget', ident: list, site: this.site(node) });
    }
  }

  private emptyList(list: string, node: SyntaxNode): void {
    const site = this.site(node);
    this.emit({ kind: 'forget', ident: list, site });
    this.emitListEmpty(list, true, site);
  }

  private popGuardScope(): void {
    const scope = this.guardScopes.pop();
    if (scope) for (const ev of [...scope.releases].reverse()) this.emit(ev);
  }

  /** Emit releases of every guard in scopes deeper than `depth` (leaving them by a jump). */
  private releaseGuards(depth: number): void {
    for (let i = this.guardScopes.length - 1; i >= depth; i--) {
      for (const ev of [...this.guardScopes[i].releases].reverse()) this.emit(ev);
    }
  }

  private scopedGuardCall(stmt: SyntaxNode): { kind: string; lockArg: SyntaxNode | null; call: SyntaxNode } | undefined {
    if (stmt.type !== 'expression_statement') return undefined;
    const call = stmt.namedChild(0);
    if (call?.type !== 'call_expression' || call.childForFieldName('function')?.text !== 'scoped_guard') return undefined;
    const args = call.childForFieldName('arguments')?.namedChildren ?? [];
    if (!args[0]) return undefined;
    return { kind: args[0].text, lockArg: args[1] ?? null, call };
  }

  /** `guard(kind)(&l)` or `scoped_guard(kind, &l)`: acquire now, release at scope end. */
  private guard(kind: string, lockArg: SyntaxNode | null, call: SyntaxNode): void {
    const row = this.env.api.byName.get(guardKey(kind));
    if (row?.op !== 'guard') {
      const defined = this.env.macros.get(guardMacroName(kind));
      if (defined) this.definedGuard(kind, defined, lockArg, call);
      else this.gaps.push({ site: this.site(call), what: `unknown guard class ${flatText(kind, 60)}` });
      return;
    }
    const acquire = this.env.api.byName.get(row.acquire);
    const site = this.site(call);
    const api = `guard(${kind})`;
    // A guard of a fixed class (`guard(cpus_read_lock)()`, `guard(wiphy)(w)`) names its lock by the row.
    if (acquire?.op === 'acquire' && (lockArg || acquire.cls)) {
      const lock = lockArg ? this.argPath(lockArg) : NO_PATH;
      this.emit({ kind: 'acquire', lock, mode: acquire.mode, irq: acquire.irq, api, site, cls: acquire.cls });
      this.facts.lockSites++;
      const irq = acquire.irq === 'off' ? 'on' : acquire.irq === 'save' ? 'restore' : acquire.irq === 'bh-off' ? 'bh-on' : undefined;
      this.guardScopes[this.guardScopes.length - 1].releases.push({ kind: 'release', lock, mode: acquire.mode, irq, api, site, cls: acquire.cls });
    } else if (acquire?.op === 'irq') {
      this.emit({ kind: 'irq', effect: acquire.effect, api, site });
      const undo = acquire.effect === 'save' ? 'restore' : 'on';
      this.guardScopes[this.guardScopes.length - 1].releases.push({ kind: 'irq', effect: undo, api, site });
    }
  }

  /**
   * `guard(mvm)(mvm)` for a `DEFINE_GUARD(mvm, struct iwl_mvm *, mutex_lock(&_T->mutex), mutex_unlock(&_T->mutex))`
   * of the analysed files: the lock expression now, the unlock expression at the end of the scope.
   */
  private definedGuard(kind: string, lockMacro: MacroDef, lockArg: SyntaxNode | null, call: SyntaxNode): void {
    const args = lockArg ? [lockArg] : [];
    if (lockMacro.params.length !== args.length) return;
    this.expandMacroCall(lockMacro, call, args);
    const unlockMacro = this.env.macros.get(guardMacroName(kind, true));
    if (!unlockMacro) return;
    // Expand the unlock into a scratch block and keep its events for the scope's end.
    const saved = this.cur;
    const scratch = this.newBlock();
    this.cur = scratch;
    this.expandMacroCall(unlockMacro, call, args);
    const releases = this.blocks[scratch].events;
    this.blocks[scratch].events = [];
    this.cur = saved;
    this.guardScopes[this.guardScopes.length - 1].releases.push(...releases);
  }

  /** A local or a parameter of this function (not a function name). */
  private isVariable(name: string): boolean {
    return this.locals.has(name) || this.params.some((p) => p.name === name);
  }

  /**
   * The functions a handler argument names: `fn`, `&fn`, `msi ? fn_msi : fn_intx`,
   * or a local variable given functions in this body (`poll = bnx2_poll;` ... `netif_napi_add(.., poll)`).
   */
  private handlerNames(node: SyntaxNode): string[] {
    if (node.type === 'conditional_expression') {
      return ['consequence', 'alternative'].flatMap((f) => {
        const c = node.childForFieldName(f);
        return c ? this.handlerNames(c) : [];
      });
    }
    // `tbl[i]` of a file-scope table of functions: each of them (`tbl[]`, resolved at link time).
    const table = node.type === 'subscript_expression' ? node.childForFieldName('argument') : undefined;
    if (table?.type === 'identifier' && !this.isVariable(table.text)) return [`${table.text}[]`];
    const name = functionNameOf(node);
    if (!name) return [];
    if (!this.isVariable(name)) return [name];
    if (!this.locals.has(name)) return [`$${this.params.findIndex((p) => p.name === name)}`]; // a parameter: what the callers pass
    const body = this.def.childForFieldName('body')?.text ?? '';
    const out: string[] = [];
    // `poll = fn;` and the declaration `int (*poll)(struct napi_struct *, int) = fn;`
    const assigned = new RegExp(`\\b${name}\\b[^;=]*?=\\s*&?\\s*([A-Za-z_]\\w*)\\s*;`, 'g');
    for (let m = assigned.exec(body); m && out.length < 8; m = assigned.exec(body)) {
      const fn = m[1];
      if (!this.isVariable(fn) && fn !== 'NULL' && !out.includes(fn)) out.push(fn);
    }
    return out;
  }

  private readonly jumpTargets: JumpTargets[] = [];

  /**
   * `w ? down_write_nested(&b->lock, n) : down_read_nested(&b->lock, n);` as a statement: one arm
   * runs, as in an if/else (read as one expression, both calls would run and the lock be held twice).
   */
  private ternaryStatement(node: SyntaxNode): boolean {
    let e = node.namedChildCount === 1 ? node.namedChild(0) : null;
    while (e?.type === 'parenthesized_expression') e = e.namedChild(0);
    if (e?.type !== 'conditional_expression') return false;
    const cond = e.childForFieldName('condition');
    const arms = [e.childForFieldName('consequence'), e.childForFieldName('alternative')];
    if (!cond || !arms[0] || !arms[1]) return false;
    const { whenTrue, whenFalse } = this.branch(cond, false);
    const join = this.newBlock();
    for (const [block, arm] of [[whenTrue, arms[0]], [whenFalse, arms[1]]] as const) {
      this.cur = block;
      this.expression(arm);
      this.jump(join);
    }
    this.cur = join;
    return true;
  }

  private ifStatement(node: SyntaxNode): void {
    const cond = node.childForFieldName('condition');
    const firstBlock = this.blocks.length;
    const { whenTrue, whenFalse, pureTests } = this.branch(cond, true);
    const join = this.newBlock();
    this.cur = whenTrue;
    this.statement(node.childForFieldName('consequence'));
    this.jump(join);
    const alt = node.childForFieldName('alternative');
    this.cur = whenFalse;
    if (alt) this.statement(alt.type === 'else_clause' ? alt.namedChild(0) : alt);
    this.jump(join);
    this.cur = join;
    if (pureTests) {
      let guards = false;
      for (let b = firstBlock; b < this.blocks.length && !guards; b++) {
        guards = this.blocks[b].events.some((ev) => ev.kind === 'acquire' || ev.kind === 'release');
      }
      if (!guards) {
        // Unless the same condition guards a lock elsewhere in the function: then this test decides that one
        // (`if (autostopped) goto skip_resume; spin_unlock_irq(..); ... if (!autostopped) spin_lock_irq(..);`).
        for (let b = firstBlock; b < this.blocks.length; b++) {
          this.blocks[b].events = this.blocks[b].events.filter((ev) => ev.kind !== 'test' || this.guardKeys.has(ev.key) || isListKey(ev.key));
        }
      }
    }
  }

  /**
   * Evaluate a branch condition from the current block into two new blocks:
   * the one entered where it held and the one where it did not, each starting
   * with what that outcome implies (parameter tests, conditional acquires).
   * With `tests`, a side-effect-free condition (no parameter test) is
   * remembered on each branch, so that `if (rev4) spin_lock(..); ...; if (rev4)
   * spin_unlock(..);` pairs up (the caller drops them unless they guard a lock).
   * A `constant` condition enters one block only.
   */
  private branch(cond: SyntaxNode | null, tests: boolean, constant?: boolean): { whenTrue: number; whenFalse: number; pureTests: boolean } {
    if (cond && this.shortCircuits(cond)) {
      const whenTrue = this.newBlock();
      const whenFalse = this.newBlock();
      const pureTests = this.shortCircuit(cond, whenTrue, whenFalse, tests, 0);
      return { whenTrue, whenFalse, pureTests };
    }
    return this.operandBranch(cond, tests, constant);
  }

  /** One condition (or operand of a short-circuit one), evaluated as a whole. */
  private operandBranch(cond: SyntaxNode | null, tests: boolean, constant?: boolean): { whenTrue: number; whenFalse: number; pureTests: boolean } {
    const { onTrue, onFalse } = this.condition(cond);
    const pure = tests && onTrue.length === 0 && onFalse.length === 0 ? pureCondition(cond, this.predicates) : undefined;
    const site = cond ? this.site(cond) : undefined;
    const emptyTest = this.listEmptyTest(cond);
    const head = this.cur;
    const whenTrue = this.newBlock();
    const whenFalse = this.newBlock();
    for (const [b, events, truthy] of [[whenTrue, onTrue, true], [whenFalse, onFalse, false]] as const) {
      this.cur = head;
      if (constant !== !truthy) this.jump(b);
      this.cur = b;
      if (pure && site) this.emit({ kind: 'test', key: pure.key, truthy: pure.truthy === truthy, idents: pure.idents, site });
      if (emptyTest && site) this.emitListEmpty(emptyTest.list, emptyTest.truthy === truthy, site);
      for (const ev of events) this.emit(ev);
    }
    return { whenTrue, whenFalse, pureTests: pure !== undefined };
  }

  /**
   * `a && b` or `a || b` (under `!` and parentheses) whose operands matter
   * apart: one names a lock API or tests a parameter. A membership test
   * `p == A || p == B` is one test.
   */
  private shortCircuits(cond: SyntaxNode): boolean {
    const { node } = stripNegations(cond, 16);
    if (node?.type !== 'binary_expression' || this.paramMembership(node)) return false;
    const op = node.childForFieldName('operator')?.text;
    if (op !== '&&' && op !== '||') return false;
    if (this.namesLockApi(node.text)) return true;
    const operands: SyntaxNode[] = [node];
    for (let i = 0; i < operands.length && i < 32; i++) {
      const { node: n } = stripNegations(operands[i], 16);
      const o = n?.type === 'binary_expression' ? n.childForFieldName('operator')?.text : undefined;
      if (n && (o === '&&' || o === '||') && !this.paramMembership(n)) {
        for (const side of [n.childForFieldName('left'), n.childForFieldName('right')]) if (side) operands.push(side);
      } else if (n && (this.paramTest(n) || this.refTest(n))) {
        return true;
      }
    }
    return false;
  }

  /**
   * A short-circuit condition as the branches it evaluates: each operand is a
   * branch of its own, so a lock taken in `!(flags & NO_LOCK) &&
   * mutex_lock_killable(..)` is held only where the flag test passed, and a
   * caller's argument decides each parameter test apart. Whether a guarding
   * test was remembered on some operand.
   */
  private shortCircuit(cond: SyntaxNode, whenTrue: number, whenFalse: number, tests: boolean, depth: number): boolean {
    const { node, truthy } = stripNegations(cond, 16);
    if (!node) return false;
    const [onTrue, onFalse] = truthy ? [whenTrue, whenFalse] : [whenFalse, whenTrue];
    const op = node.type === 'binary_expression' ? node.childForFieldName('operator')?.text : undefined;
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if ((op === '&&' || op === '||') && left && right && depth < 16 && !this.paramMembership(node)) {
      const mid = this.newBlock();
      const leftTests = op === '&&' ? this.shortCircuit(left, mid, onFalse, tests, depth + 1) : this.shortCircuit(left, onTrue, mid, tests, depth + 1);
      this.cur = mid;
      return this.shortCircuit(right, onTrue, onFalse, tests, depth + 1) || leftTests;
    }
    const { whenTrue: t, whenFalse: f, pureTests } = this.operandBranch(node, tests);
    for (const [from, to] of [[t, onTrue], [f, onFalse]]) {
      this.cur = from;
      this.jump(to);
    }
    return pureTests;
  }

  /**
   * Evaluate a branch condition. A conditional acquire in it (trylock,
   * mutex_lock_interruptible) is placed on the branch where it succeeded.
   */
  private condition(cond: SyntaxNode | null): { onTrue: LockEvent[]; onFalse: LockEvent[] } {
    const onTrue: LockEvent[] = [];
    const onFalse: LockEvent[] = [];
    if (!cond) return { onTrue, onFalse };
    const tested = this.paramTest(cond);
    if (tested) {
      onTrue.push({ kind: 'assume', param: tested.param, truthy: tested.truthy, mask: tested.mask, site: this.site(cond) });
      onFalse.push({ kind: 'assume', param: tested.param, truthy: !tested.truthy, mask: tested.mask, site: this.site(cond) });
    }
    const bitTest = this.bitTest(cond);
    if (bitTest) {
      // The bit as it was (test_and_clear_bit's true branch: it was set), then what the call left there.
      const { call, bit, obj, truthy, effect } = bitTest;
      const site = this.site(call);
      for (const [events, t] of [[onTrue, truthy], [onFalse, !truthy]] as const) {
        events.push({ kind: 'bit', op: 'test', bit, obj, truthy: t, site });
        if (effect) events.push({ kind: 'bit', op: effect === 'all' ? 'write' : effect, bit, obj, site });
      }
    }
    const refTest = this.refTest(cond);
    if (refTest) {
      // A failed tryget found the count at zero; a dectest that returned true dropped the last reference:
      // no path holding a reference of its own gets there. Otherwise a reference was taken (tryget) or
      // one that was not the last dropped (dectest).
      const { row, obj, truthy } = refTest;
      const site = this.site(refTest.call);
      for (const [events, t] of [[onTrue, truthy], [onFalse, !truthy]] as const) {
        const op = row.op === 'tryget' ? (t ? 'get' : 'zero') : t ? 'last' : 'put';
        events.push({ kind: 'ref', op, obj, site });
      }
    }
    const outer = this.bitCondition;
    const outerRef = this.refCondition;
    this.bitCondition = bitTest?.call;
    this.refCondition = refTest?.call;
    this.expression(cond, (call, ev, row) => {
      const truth = conditionPolarity(call, cond);
      const successIsTrue = row.ok === 'zero' ? truth === false : truth === true;
      if (truth === undefined) return false;
      (successIsTrue ? onTrue : onFalse).push(ev);
      return true;
    });
    this.bitCondition = outer;
    this.refCondition = outerRef;
    return { onTrue, onFalse };
  }

  /**
   * `refcount_dec_and_test(&p->ref)`, `!kref_get_unless_zero(&p->kref)` (under `!` and parentheses): a
   * reference-count operation whose result decides the branch. Its row, object and result when cond holds.
   */
  private refTest(cond: SyntaxNode): { call: SyntaxNode; row: RefOpRow; obj: AccessPath; truthy: boolean } | undefined {
    const tested = this.tableCallTest(cond, refOpRow);
    if (tested?.row.op !== 'tryget' && tested?.row.op !== 'dectest') return undefined;
    const { call, row, truthy } = tested;
    const arg = callArguments(call)[row.obj];
    return arg ? { call, row, obj: this.path(arg), truthy } : undefined;
  }

  /**
   * A condition that is a call of a table's function (under `!` and parentheses), not one this file
   * defines for itself: the call, its row and the call's truth when cond holds.
   */
  private tableCallTest<R>(cond: SyntaxNode, rowOf: (name: string) => R | undefined): { call: SyntaxNode; row: R; truthy: boolean } | undefined {
    const { node, truthy } = stripNegations(cond, 8);
    if (node?.type !== 'call_expression') return undefined;
    const name = node.childForFieldName('function');
    if (name?.type !== 'identifier' || this.env.definedHere?.has(name.text)) return undefined;
    const row = rowOf(name.text);
    return row === undefined ? undefined : { call: node, row, truthy };
  }

  /**
   * `test_bit(FLAG, &p->flags)`, `!test_and_clear_bit(..)` (under `!` and parentheses): a constant bit
   * of a bitmap with a plain path. The bit's truth when cond holds, and what the call writes.
   */
  private bitTest(cond: SyntaxNode): { call: SyntaxNode; bit: string; obj: AccessPath; truthy: boolean; effect?: BitOpRow['effect'] } | undefined {
    const tested = this.tableCallTest(cond, bitOpRow);
    if (!tested?.row.test) return undefined;
    const { call, row, truthy } = tested;
    const target = this.bitTarget(call, row);
    return target && target.bit !== '*' ? { call, bit: target.bit, obj: target.obj, truthy, effect: row.effect } : undefined;
  }

  /** A bit operation's bit (a constant's name; `*` for any other, or a whole-bitmap operation) and bitmap. */
  private bitTarget(call: SyntaxNode, row: BitOpRow): { bit: string; obj: AccessPath } | undefined {
    const args = callArguments(call);
    const addr = args[row.addr];
    if (!addr) return undefined;
    const bitNode = row.bit >= 0 ? args[row.bit] : undefined;
    const bit = bitNode?.type === 'identifier' && !this.isVariable(bitNode.text) ? bitNode.text : '*';
    return { bit, obj: this.path(addr) };
  }

  /**
   * `p`, `!p`, `p == 0`, `p != false` ... for a parameter p: which parameter, and its truth when cond holds.
   * `p == CMD_X` (or `p == CMD_X || p == CMD_Y`) tests membership: mask `=CMD_X|CMD_Y`, decided by a
   * caller passing a constant name (mwifiex_send_cmd(priv, HostCmd_CMD_RECONFIGURE_TX_BUFF, ...)).
   */
  private paramTest(cond: SyntaxNode): { param: number; truthy: boolean; mask?: string } | undefined {
    const member = this.paramMembership(cond);
    if (member) return member;
    let node: SyntaxNode | null = cond;
    let truthy = true;
    let mask: string | undefined;
    for (let depth = 0; node && depth < 8; depth++) {
      if (node.type === 'parenthesized_expression') {
        node = node.namedChild(0);
      } else if (node.type === 'unary_expression' && node.childForFieldName('operator')?.text === '!') {
        truthy = !truthy;
        node = node.childForFieldName('argument');
      } else if (node.type === 'binary_expression' && node.childForFieldName('operator')?.text === '&' && !mask) {
        // `flags & ICE_VF_RESET_LOCK`: the parameter's bit named by the other side.
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        const flagSide = right?.type === 'identifier' && /^[A-Z_][A-Z0-9_]*$/.test(right.text) ? right : undefined;
        if (!flagSide || !left) return undefined;
        mask = flagSide.text;
        node = left;
      } else if (node.type === 'binary_expression') {
        const op = node.childForFieldName('operator')?.text;
        const right = node.childForFieldName('right')?.text;
        if ((op !== '==' && op !== '!=') || right === undefined) return undefined;
        const lit = literalTruth(right);
        if (lit === undefined) return undefined;
        if ((op === '==') !== lit) truthy = !truthy;
        node = node.childForFieldName('left');
      } else if (node.type === 'identifier') {
        const param = this.params.findIndex((p) => p.name === node!.text);
        return param >= 0 ? { param, truthy, mask } : undefined;
      } else if (node.type === 'field_expression' && node.childForFieldName('operator')?.text === '->' && !mask) {
        // `req->is_af`: a flag field of a parameter, decided by a caller that set it on its own struct (mask `.is_af`).
        const base = node.childForFieldName('argument');
        const field = node.childForFieldName('field');
        const param = base?.type === 'identifier' ? this.params.findIndex((p) => p.name === base.text) : -1;
        return param >= 0 && field ? { param, truthy, mask: `.${field.text}` } : undefined;
      } else {
        return undefined;
      }
    }
    return undefined;
  }

  /** `p == NAME`, `p != NAME`, `p == A || p == B` for a parameter p and constant names (ALL_CAPS or CamelCase_CONST identifiers). */
  private paramMembership(cond: SyntaxNode): { param: number; truthy: boolean; mask: string } | undefined {
    const { node, truthy: polarity } = stripNegations(cond, 8);
    let truthy = polarity;
    if (node?.type !== 'binary_expression') return undefined;
    const op = node.childForFieldName('operator')?.text;
    const sides = op === '||' ? [node.childForFieldName('left'), node.childForFieldName('right')] : [node];
    let param = -1;
    const names: string[] = [];
    for (let side of sides) {
      while (side?.type === 'parenthesized_expression') side = side.namedChild(0);
      if (side?.type !== 'binary_expression') return undefined;
      const sideOp = side.childForFieldName('operator')?.text;
      if (sideOp !== '==' && !(sideOp === '!=' && op !== '||')) return undefined;
      const left = side.childForFieldName('left');
      const right = side.childForFieldName('right');
      if (left?.type !== 'identifier' || right?.type !== 'identifier' || !CONSTANT_NAME.test(right.text)) return undefined;
      const p = this.params.findIndex((x) => x.name === left.text);
      if (p < 0 || (param >= 0 && p !== param)) return undefined;
      param = p;
      names.push(right.text);
      if (sideOp === '!=') truthy = !truthy;
    }
    return param >= 0 ? { param, truthy, mask: `=${names.join('|')}` } : undefined;
  }

  private loop(node: SyntaxNode, isDo: boolean): void {
    const head = this.newBlock();
    const after = this.newBlock();
    const bodyB = this.newBlock();
    if (node.type === 'for_statement') {
      const init = node.childForFieldName('initializer');
      if (init) this.statement(init);
    }
    this.jump(isDo ? bodyB : head);
    // Condition block: evaluated before each iteration (after the body for do-while).
    this.cur = head;
    const condNode = node.childForFieldName('condition');
    // `do { } while (0)` (every statement macro) runs once; `while (1)` leaves only by break or return.
    const { whenTrue, whenFalse } = this.branch(condNode, false, constantTruth(condNode));
    this.cur = whenTrue;
    this.jump(bodyB);
    this.cur = whenFalse;
    this.jump(after);

    const update = this.newBlock();
    this.cur = bodyB;
    this.jumpTargets.push({ breakTo: after, continueTo: update, guardDepth: this.guardScopes.length });
    const firstBodyBlock = this.blocks.length;
    const body = node.childForFieldName('body');
    this.statement(body);
    this.jumpTargets.pop();
    this.jump(update);
    this.cur = update;
    const inc = node.childForFieldName('update');
    if (inc) this.expression(inc);
    this.jump(head);
    this.cur = after;
    if (this.localLists.size > 0) this.forgetLists(node.endIndex);
    for (const ev of this.elementReleases(body, [bodyB, ...range(firstBodyBlock, this.blocks.length)])) {
      this.emit(ev.kind === 'release' ? { ...ev, all: true } : ev);
    }
  }

  /**
   * The array elements' locks a loop body releases on every turn (`mutex_unlock(&nodes[i]->lock);`
   * with no branch, jump or inner loop in the body): when the loop is done, each lock a loop over the
   * same elements took is released, whether or not the walk could tell how many turns either took.
   * Likewise the handlers of each element switched off or on (`napi_disable(&p->rx_ring[i]->napi);`): when
   * the loop is done, those of every element are (none for a loop of no turns: there is no element).
   */
  private elementReleases(body: SyntaxNode | null, blocks: number[]): Array<Extract<LockEvent, { kind: 'release' | 'switch' }>> {
    if (!body || body.text.length > 2000) return [];
    const stack: SyntaxNode[] = [body];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (LOOP_EXITS_OR_BRANCHES.has(n.type)) return [];
      for (const c of n.namedChildren) if (c) stack.push(c);
    }
    const out: Array<Extract<LockEvent, { kind: 'release' | 'switch' }>> = [];
    for (const b of blocks) {
      for (const ev of this.blocks[b]?.events ?? []) {
        if (ev.kind === 'release' && !ev.all && /\[[^\]]+\]/.test(ev.lock.text) && !out.some((o) => o.kind === 'release' && o.lock.text === ev.lock.text)) out.push(ev);
        if (ev.kind === 'switch' && /\[[^\]]+\]/.test(ev.key.text) && !out.some((o) => o.kind === 'switch' && o.key.text === ev.key.text && o.off === ev.off)) out.push(ev);
      }
    }
    return out;
  }

  private switchStatement(node: SyntaxNode): void {
    this.expression(node.childForFieldName('condition'));
    const head = this.cur;
    const after = this.newBlock();
    const body = node.childForFieldName('body');
    this.jumpTargets.push({ breakTo: after, continueTo: this.jumpTargets[this.jumpTargets.length - 1]?.continueTo, guardDepth: this.guardScopes.length });
    let sawDefault = false;
    this.startDetached();
    for (const c of body?.namedChildren ?? []) {
      if (!c) continue;
      if (c.type === 'case_statement') {
        const b = this.newBlock();
        this.jump(b); // fall-through from the previous case
        this.cur = head;
        this.jump(b);
        this.cur = b;
        if (!c.childForFieldName('value')) sawDefault = true;
        // The case's value is walked too, as it always was: this compared two node objects, never the same one
        // (web-tree-sitter made a new object per read), until nodes became one object each (syntax/cnode.ts).
        for (const s of c.namedChildren) if (s) this.statement(s);
      } else {
        this.statement(c);
      }
    }
    this.jump(after);
    this.jumpTargets.pop();
    if (!sawDefault) {
      this.cur = head;
      this.jump(after);
    }
    this.cur = after;
  }

  /**
   * Walk an expression in evaluation order (arguments before the call).
   * `onConditional` may claim a conditional acquire (placing it on a branch).
   */
  private expression(
    node: SyntaxNode | null,
    onConditional?: (call: SyntaxNode, ev: LockEvent, row: Extract<ApiRow, { op: 'acquire' }>) => boolean,
  ): void {
    if (!node) return;
    for (const n of this.index.within(node)) {
      switch (n.type) {
        case 'call_expression':
          this.call(n, onConditional);
          break;
        case 'assignment_expression':
          this.assignmentBinding(n);
          this.literalSet(n.childForFieldName('left'), n.childForFieldName('right'));
          this.forgetAssigned(n.childForFieldName('left'));
          this.emitCopy(n);
          break;
        case 'update_expression':
          this.forgetAssigned(n.childForFieldName('argument'));
          break;
        case 'init_declarator':
          this.literalSet(n.childForFieldName('declarator'), n.childForFieldName('value'));
          this.emitCopy(n);
          break;
      }
    }
  }

  /** `x = ..`, `p->f = ..`, `x++` where a guarding condition reads `x` / `f`: what the path knew of it is stale. */
  private forgetAssigned(left: SyntaxNode | null): void {
    if (!left) return;
    // `p->status = 0;`, `p->flags[0] |= ..`: a bitmap some bit operation of the file names, written whole.
    const whole = left.type === 'subscript_expression' ? left.childForFieldName('argument') : left;
    if (whole?.type === 'field_expression' && bitmapFields(this.source).has(whole.childForFieldName('field')?.text ?? '')) {
      this.emit({ kind: 'bit', op: 'write', bit: '*', obj: this.path(whole), site: this.site(left) });
    }
    if (this.guardIdents.size === 0) return;
    const name = assignedName(left);
    if (name && this.guardIdents.has(name)) this.emit({ kind: 'forget', ident: name, site: this.site(left) });
  }

  /**
   * `x = p->f;` / `int x = p->f;` where x is a local some guarding condition reads and the value a
   * plain access path (identifiers and fields, no call, no subscript): the local copies the path.
   */
  private copyOf(n: SyntaxNode): { name: string; value: string; idents: string[] } | undefined {
    if (this.guardIdents.size === 0) return undefined; // no local to copy into (read before the node, which costs more)
    let left: SyntaxNode | null;
    let right: SyntaxNode | null;
    if (n.type === 'assignment_expression') {
      if (n.childForFieldName('operator')?.text !== '=') return undefined;
      left = n.childForFieldName('left');
      right = n.childForFieldName('right');
    } else {
      left = n.childForFieldName('declarator');
      right = n.childForFieldName('value');
    }
    while (right?.type === 'parenthesized_expression') right = right.namedChild(0);
    if (left?.type !== 'identifier' || !right || !this.locals.has(left.text) || !this.guardIdents.has(left.text)) return undefined;
    const idents = new Set<string>([left.text]);
    const stack: SyntaxNode[] = [right];
    while (stack.length > 0) {
      const c = stack.pop()!;
      if (c.type === 'identifier' && c.text === left.text) return undefined; // `p = p->next`: the path read is gone
      if (c.type === 'identifier' || c.type === 'field_identifier') idents.add(c.text);
      else if (c.type !== 'field_expression' && c.type !== 'parenthesized_expression') return undefined;
      for (const k of c.namedChildren) if (k) stack.push(k);
    }
    const value = right.text.replace(/\s+/g, '');
    if (idents.size < 2 || value.length > 120) return undefined;
    return { name: left.text, value, idents: [...idents] };
  }

  private emitCopy(n: SyntaxNode): void {
    if (this.guardIdents.size === 0) return;
    const copy = this.copyOf(n);
    if (copy) this.emit({ kind: 'copy', ...copy, site: this.site(n) });
  }

  /** `locked = true;` / `bool locked = false;` for a local: a `set` event. */
  private literalSet(left: SyntaxNode | null, right: SyntaxNode | null): void {
    if (!right) return;
    // `locked = true;`, and a field of a local struct passed by address: `dreq.is_af = 1;` (the name is `dreq.is_af`).
    let name: string | undefined;
    if (left?.type === 'identifier' && this.locals.has(left.text)) name = left.text;
    else if (left?.type === 'field_expression' && left.childForFieldName('operator')?.text === '.') {
      const base = left.childForFieldName('argument');
      const field = left.childForFieldName('field');
      if (base?.type === 'identifier' && this.locals.has(base.text) && field) name = `${base.text}.${field.text}`;
    }
    if (name === undefined) return;
    const value = literalTruth(right.text);
    if (value !== undefined) this.emit({ kind: 'set', name, value, site: this.site(left!) });
  }

  /** `x->field = fn;` binds fn to the struct type of x at link time. */
  private assignmentBinding(node: SyntaxNode): void {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    // `t->function = fn;`, `t.function = &fn;` and a handler table's slot `x->handler[i] = fn;` alike.
    const target = left?.type === 'subscript_expression' ? left.childForFieldName('argument') : left;
    if (target?.type !== 'field_expression' || !right) return;
    const object = target.childForFieldName('argument');
    const field = target.childForFieldName('field')?.text;
    if (!object || !field) return;
    // `po->prot_hook.func = ring ? tpacket_rcv : packet_rcv;` binds both.
    const values = right.type === 'conditional_expression'
      ? ['consequence', 'alternative'].map((f) => right.childForFieldName(f)).filter((c): c is SyntaxNode => c !== null)
      : [right];
    for (const value of values) {
      const fn = functionNameOf(value);
      if (!fn || this.fileGlobals.has(fn)) continue;
      // `cmd->job_step = job_step;` of a parameter binds what the callers pass (`$1`, at link time).
      const param = this.params.findIndex((p) => p.name === fn);
      if (this.isVariable(fn) && (param < 0 || this.locals.has(fn))) continue;
      this.facts.bindings.push({ structType: '', object: this.path(object), field, fn: param >= 0 ? `$${param}` : fn, site: this.site(value) });
    }
  }

  private call(
    node: SyntaxNode,
    onConditional?: (call: SyntaxNode, ev: LockEvent, row: Extract<ApiRow, { op: 'acquire' }>) => boolean,
  ): void {
    const fnNode = node.childForFieldName('function');
    // The arguments are read only where used: a leaf call's (`readl(..)`, `BIT(..)`) never are.
    let argList: SyntaxNode[] | undefined;
    const args = (): SyntaxNode[] => (argList ??= callArguments(node));
    if (this.localLists.size > 0) this.localListCall(node);
    // `guard(kind)(&l)`: a call whose function is itself a call to guard (the inner call is not a call).
    if (fnNode?.type === 'call_expression' && fnNode.childForFieldName('function')?.text === 'guard') {
      const kind = fnNode.childForFieldName('arguments')?.namedChild(0)?.text;
      if (kind) this.guard(kind, args()[0] ?? null, node);
      return;
    }
    if (fnNode?.text === 'guard' && node.parent?.type === 'call_expression') return;
    // Calls inside the arguments were already visited: the index yields them first.
    if (!fnNode) return;
    // `(w ? up_write : up_read)(&b->lock)`: one of two API functions of one kind, on the same argument
    // (of two acquires, the exclusive one).
    const rows = this.conditionalDesignator(fnNode);
    if (rows) {
      this.apiCall(rows.find((r) => r.op !== 'acquire' || !SHARED_MODES.has(r.mode)) ?? rows[0], node, args(), this.site(node), onConditional);
      return;
    }
    if (fnNode.type !== 'identifier') {
      // `x->ops->f(..)`, `(*x->f)(..)`, and a table of handlers `x->handler[type](..)`.
      const callee = fieldCallee(fnNode);
      if (callee) {
        const object = callee.childForFieldName('argument');
        const field = callee.childForFieldName('field')?.text;
        if (object && field) {
          this.emit({
            kind: 'call', callee: `(*${field})`, args: args().map((a) => this.callArgPath(a)), site: this.site(node),
            viaField: { object: this.path(object), field },
          });
        }
        return;
      }
      // `(*step)(..)` through a parameter, `handlers[i](..)` through a file-scope table (`handlers[]`): resolved at link time.
      const ref = pointerCallee(fnNode);
      const table = ref?.type === 'subscript_expression' ? ref.childForFieldName('argument') : undefined;
      const through = ref?.type === 'identifier' && this.params.some((p) => p.name === ref.text) ? ref.text
        : table?.type === 'identifier' && !this.isVariable(table.text) ? `${table.text}[]` : undefined;
      if (through) this.emit({ kind: 'call', callee: through, args: args().map((a) => this.callArgPath(a)), site: this.site(node) });
      return;
    }
    const name = fnNode.text;
    const row = this.env.definedHere?.has(name) ? undefined : this.env.api.byName.get(name);
    const site = this.site(node);
    const bitOp = this.env.definedHere?.has(name) ? undefined : bitOpRow(name);
    if (bitOp?.effect && !sameSpan(node, this.bitCondition)) {
      // A flag bit written (a branch condition's own test-and-write is on its branches).
      const target = this.bitTarget(node, bitOp);
      if (target) {
        // The value left is known where the call always runs: a statement of its own (not `a && test_and_clear_bit(..)`).
        const alone = node.parent?.type === 'expression_statement';
        const op = bitOp.effect === 'all' || target.bit === '*' || !alone ? 'write' : bitOp.effect;
        this.emit({ kind: 'bit', op, bit: bitOp.effect === 'all' ? '*' : target.bit, obj: target.obj, site });
      }
    }
    if (!this.env.definedHere?.has(name)) this.workqueueCall(name, node, args, site);
    if (row) {
      this.apiCall(row, node, args(), site, onConditional);
      return;
    }
    const macro = this.env.macros.get(name);
    // A macro that only forwards to a function (`forward`, no `passes`) is not expanded: its call is the function's.
    const expands = macro?.passes ? this.handsFunction(macro, args()) : !macro?.forward;
    if (macro && !macro.constant && (!macro.predicate || macro.passes) && this.macroDepth < 4 && expands) {
      this.expandMacroCall(macro, node, args());
      return;
    }
    if (macro?.forward && !this.env.definedHere?.has(name) && this.forwardVisible(macro)) {
      // `ast_vhub_simple_reply(ep, st0, 0)` -> `__ast_vhub_simple_reply((ep), sizeof(..), st0, 0)`: the function
      // has this caller (not a root of its own), with the macro's arguments where the body puts them.
      const named = macro.params.filter((p) => p !== '...').length;
      const mapped = macro.forward.args.flatMap((a): Array<SyntaxNode | string | undefined> =>
        (a === '...' ? args().slice(named) : [a === null ? undefined : typeof a === 'number' ? args()[a] : a.text]));
      this.emitCall(macro.forward.callee, node, mapped, site);
      return;
    }
    if (!this.leafCall(name)) this.emitCall(name, node, args(), site);
  }

  /**
   * Whether a call in this file sees the header defining a forwarding macro: the file itself, or a
   * header of a directory above it (a driver's own `include/` counts as its parent). Not another
   * driver's macro of the same name (the macro table keeps one definition per name).
   */
  private forwardVisible(macro: MacroDef): boolean {
    const file = macro.site.file;
    if (file === this.file) return true;
    if (!file.endsWith('.h')) return false;
    let dir = path.dirname(file);
    if (path.basename(dir) === 'include') dir = path.dirname(dir);
    const rel = path.relative(dir, path.dirname(this.file));
    return !rel.startsWith('..') && !path.isAbsolute(rel);
  }

  /** Leaf helpers and unexpanded ALL-CAPS macros (register accessors, BIT(), FIELD_GET() ...) cannot be in a lock order. */
  private leafCall(name: string): boolean {
    return (LEAF_CALLS.has(name) || ALL_CAPS.test(name)) && !this.env.definedHere?.has(name);
  }

  /**
   * A call of a function by name; an argument of the macro that forwards to it may be missing (an
   * expression of its parameters), or text of the macro's body (a name of the caller's scope, a constant).
   */
  private emitCall(name: string, node: SyntaxNode, args: Array<SyntaxNode | string | undefined>, site: Site): void {
    if (this.leafCall(name)) return;
    const literals: Record<number, boolean> = {};
    const flags: Record<number, string[]> = {};
    let anyLiteral = false;
    let anyFlags = false;
    args.forEach((a, i) => {
      if (a === undefined) return;
      const text = typeof a === 'string' ? a : a.text;
      const constant = this.env.macros.get(text);
      const lit = literalTruth(constant?.constant ? constant.body : text);
      if (lit !== undefined) {
        literals[i] = lit;
        anyLiteral = true;
      }
      const names = flagNames(text);
      if (names) {
        flags[i] = names;
        anyFlags = true;
      }
    });
    // A reference count (LINUX_REF_OPS): a put's call runs its release only at the last put; a get or an init
    // is an event of its own. A test whose result is a branch condition is on the branches (condition()).
    const ref = this.env.definedHere?.has(name) ? undefined : refOpRow(name);
    const refArg = ref ? args[ref.obj] : undefined;
    const refObj = refArg === undefined ? undefined : typeof refArg === 'string' ? this.textPath(refArg) : this.path(refArg);
    const inCondition = sameSpan(node, this.refCondition);
    const put = ref && refObj && (ref.op === 'put' || (ref.op === 'dectest' && !inCondition)) ? ref.obj : undefined;
    this.emit({
      kind: 'call', callee: name, args: args.map((a) => (a === undefined ? NO_PATH : typeof a === 'string' ? this.textPath(a) : this.callArgPath(a))), site,
      literals: anyLiteral ? literals : undefined, flags: anyFlags ? flags : undefined, ...(put !== undefined ? { put } : {}),
    });
    // (`refcount_set(r, 0)` is no reference for anyone: not an init.)
    const zeroed = ref?.op === 'init' && typeof args[1] === 'object' && args[1].text.trim() === '0';
    if (refObj && (ref?.op === 'get' || ref?.op === 'init') && !zeroed) this.emit({ kind: 'ref', op: ref.op, obj: refObj, site });
  }

  /**
   * The API rows a parenthesized `c ? f : g` designator chooses between, when
   * both are rows of one kind (two releases, two acquires of one lock argument).
   */
  private conditionalDesignator(fnNode: SyntaxNode): ApiRow[] | undefined {
    let n: SyntaxNode | null = fnNode;
    while (n?.type === 'parenthesized_expression') n = n.namedChild(0);
    if (n?.type !== 'conditional_expression') return undefined;
    const rows: ApiRow[] = [];
    for (const side of [n.childForFieldName('consequence'), n.childForFieldName('alternative')]) {
      const row = side?.type === 'identifier' && !this.env.definedHere?.has(side.text) ? this.env.api.byName.get(side.text) : undefined;
      if (!row) return undefined;
      rows.push(row);
    }
    const [a, b] = rows;
    const sameLock = 'lock' in a && 'lock' in b && a.lock === b.lock;
    return a.op === b.op && (a.op === 'acquire' || a.op === 'release') && sameLock ? rows : undefined;
  }

  /** `queue_work(wq, &w)` and `wq = alloc_ordered_workqueue(..)`: which works run one at a time (LINUX_QUEUE_WORK_CALLS). */
  private workqueueCall(name: string, node: SyntaxNode, argsOf: () => SyntaxNode[], site: Site): void {
    const queued = LINUX_QUEUE_WORK_CALLS.get(name);
    if (queued) {
      const args = argsOf();
      const wq = queued.wq === 'system' ? undefined : args[queued.wq];
      const work = args[queued.work];
      if (work) {
        this.emit({
          kind: 'workqueue', op: 'queue', wq: wq ? this.path(wq) : undefined, work: this.path(work), api: name, site,
          ...(queued.ordered ? { ordered: true as const } : {}),
        });
      }
    } else {
      if (LINUX_ORDERED_WQ_ALLOCATORS.has(name)) this.emit({ kind: 'workqueue', op: 'ordered', wq: this.resultPath(node), api: name, site });
      const alloc = LINUX_WQ_ALLOCATORS.get(name);
      const flags = alloc && 'flags' in alloc ? argsOf()[alloc.flags] : undefined;
      const freezable = alloc !== undefined && ('freezable' in alloc
        || (flags !== undefined && new RegExp(`\\b${LINUX_WQ_FREEZABLE_FLAG}\\b`).test(flags.text)));
      if (freezable) this.emit({ kind: 'workqueue', op: 'freezable', wq: this.resultPath(node), api: name, site });
    }
  }

  private apiCall(
    row: ApiRow, node: SyntaxNode, args: SyntaxNode[], site: Site,
    onConditional?: (call: SyntaxNode, ev: LockEvent, row: Extract<ApiRow, { op: 'acquire' }>) => boolean,
  ): void {
    const arg = (ref: number | 'ret' | 'none'): AccessPath =>
      ref === 'ret' ? this.resultPath(node) : ref === 'none' ? NO_PATH : args[ref] ? this.path(args[ref]) : NO_PATH;
    const lockArg = (ref: number | 'ret' | 'none'): AccessPath => (typeof ref === 'number' && args[ref] ? this.argPath(args[ref]) : arg(ref));
    // What it does to a key's handlers, beside the row's own effect (which it does not interact with).
    const keyArg = (ref: number | 'ret' | 'none'): AccessPath => (typeof ref === 'number' && args[ref] ? this.keyPath(args[ref]) : arg(ref));
    if (row.switches) this.emit({ kind: 'switch', what: row.switches.what, key: keyArg(row.switches.key), off: row.switches.off, api: row.fn, site });
    switch (row.op) {
      case 'acquire': {
        const subclass = row.subclassArg !== undefined ? args[row.subclassArg]?.text : undefined;
        const ev: LockEvent = {
          kind: 'acquire', lock: lockArg(row.lock), mode: row.mode, irq: row.irq, try: row.try, subclass,
          api: row.fn, site, cls: row.cls,
        };
        this.facts.lockSites++;
        const conditional = row.try || (row.ok !== undefined && row.ok !== 'always');
        if (conditional && onConditional?.(node, ev, row)) return;
        this.emit(ev);
        if ((row as { inside?: boolean }).inside) {
          this.emit({ kind: 'release', lock: ev.lock, mode: row.mode, api: row.fn, site, cls: row.cls });
        }
        return;
      }
      case 'release':
        this.facts.lockSites++;
        this.emit({ kind: 'release', lock: lockArg(row.lock), mode: row.mode, irq: row.irq, api: row.fn, site, cls: row.cls });
        if (row.fn === 'downgrade_write') {
          this.emit({ kind: 'acquire', lock: lockArg(row.lock), mode: 'rwsem-read', api: row.fn, site });
        }
        return;
      case 'irq':
        this.emit({ kind: 'irq', effect: row.effect, api: row.fn, site });
        return;
      case 'wait':
        this.emit({ kind: 'wait', what: row.what, key: arg(row.key), api: row.fn, site });
        return;
      case 'register': {
        const key = keyArg(row.key);
        for (const index of [row.handlerArg, ...(row.moreHandlerArgs ?? [])]) {
          const handlerNode = args[index];
          for (const handler of handlerNode ? this.handlerNames(handlerNode) : []) {
            this.emit({ kind: 'register', what: row.what, ctx: row.ctx, handler, key, api: row.fn, site });
          }
        }
        const threadNode = row.threadArg !== undefined ? args[row.threadArg] : undefined;
        for (const thread of threadNode && row.threadCtx ? this.handlerNames(threadNode) : []) {
          this.emit({ kind: 'register', what: row.what, ctx: row.threadCtx!, handler: thread, key, api: row.fn, site });
        }
        return;
      }
      case 'guard':
      case 'switch':
        return;
    }
  }

  /** For registrations returning their key (`irq = bind_evtchn_to_irqhandler(...)`): the assigned path. */
  private resultPath(call: SyntaxNode): AccessPath {
    const parent = call.parent;
    if (parent?.type === 'assignment_expression') {
      const left = parent.childForFieldName('left');
      if (left) return this.path(left);
    }
    if (parent?.type === 'init_declarator') {
      const n = declaredName(parent.childForFieldName('declarator'));
      if (n) return this.path(n.node);
    }
    return NO_PATH;
  }

  /** Whether a call of a macro that hands parameters on gives a function's name (`f`, `&f`) for one of them. */
  private handsFunction(macro: MacroDef, args: SyntaxNode[]): boolean {
    const variadic = macro.params[macro.params.length - 1] === '...';
    return args.some((a, i) => {
      const param = variadic && i >= macro.params.length - 1 ? '__VA_ARGS__' : macro.params[i];
      if (!param || !macro.passes!.includes(param)) return false;
      const id = a.type === 'pointer_expression' && a.text.startsWith('&') ? a.childForFieldName('argument') : a;
      return id?.type === 'identifier' && !ALL_CAPS.test(id.text) && !this.isVariable(id.text) && !this.fileGlobals.has(id.text);
    });
  }

  private expandMacroCall(macro: MacroDef, node: SyntaxNode, args: SyntaxNode[]): void {
    const expanded = expandMacro(macro, args.map((a) => a.text));
    if (!expanded) {
      this.emit({ kind: 'call', callee: macro.name, args: args.map((a) => this.callArgPath(a)), site: this.site(node) });
      return;
    }
    // Events from the expansion happen at the macro call's site.
    const outer = this.siteOverride;
    const outerIndex = this.index;
    this.siteOverride ??= this.site(node);
    this.index = new NodeIndex(expanded.root);
    this.macroDepth++;
    try {
      this.statement(expanded.body);
    } finally {
      this.macroDepth--;
      this.siteOverride = outer;
      this.index = outerIndex;
      expanded.tree.delete();
    }
  }

  /** An expression as an access path: `&p->desc->lock` -> base p, fields [desc, lock]. */
  path(expr: SyntaxNode): AccessPath {
    const fields: string[] = [];
    let fuzzy = false;
    let node: SyntaxNode | null = expr;
    const text = flatText(expr.text, 120);
    for (let depth = 0; node && depth < 32; depth++) {
      switch (node.type) {
        case 'parenthesized_expression':
          node = node.namedChild(0);
          continue;
        case 'pointer_expression':
          node = node.childForFieldName('argument');
          continue;
        case 'cast_expression':
          node = node.childForFieldName('value');
          continue;
        case 'field_expression': {
          const f = node.childForFieldName('field')?.text;
          if (f) fields.unshift(f);
          node = node.childForFieldName('argument');
          continue;
        }
        case 'subscript_expression':
          fuzzy = true;
          node = node.childForFieldName('argument');
          continue;
        case 'binary_expression': {
          // `locks + i` is `&locks[i]`: an element of the array the left side names.
          const op = node.childForFieldName('operator')?.text;
          if ((op !== '+' && op !== '-') || fields.length > 0) return { text, base: text, baseKind: 'unknown', fields, fuzzy: true };
          fuzzy = true;
          node = node.childForFieldName('left');
          continue;
        }
        case 'identifier':
          return this.basePath(node.text, fields, fuzzy, text);
        case 'call_expression': {
          const callee = node.childForFieldName('function')?.text ?? '';
          const ctype = containerType(node.text.length > 300 ? node.text.slice(0, 300) : node.text);
          if (ctype) return { text, base: callee, baseKind: 'unknown', baseType: ctype, fields, fuzzy };
          // `to_foo(x)->lock`: the callee's declared return type names the base at link time.
          return { text, base: `${callee}()`, baseKind: 'unknown', fields, fuzzy: true };
        }
        default:
          return { text, base: text, baseKind: 'unknown', fields, fuzzy: true };
      }
    }
    return { text, base: text, baseKind: 'unknown', fields, fuzzy: true };
  }

  private basePath(base: string, fields: string[], fuzzy: boolean, text: string): AccessPath {
    const pi = this.params.findIndex((p) => p.name === base);
    if (pi >= 0) return { text, base, baseKind: 'param', paramIndex: pi, baseType: this.params[pi].type, fields, fuzzy };
    if (this.locals.has(base)) return { text, base, baseKind: 'local', baseType: this.locals.get(base), fields, fuzzy };
    const g = this.fileGlobals.get(base);
    return { text, base, baseKind: 'global', baseType: g?.type, fields, fuzzy };
  }
}

const LOOPS: ReadonlySet<string> = new Set(['for_statement', 'while_statement', 'do_statement']);

/** Whether `node` sits in a loop inside `body` (it runs once per turn). */
function insideLoop(node: SyntaxNode, body: SyntaxNode): boolean {
  for (let n = node.parent; n && n.id !== body.id; n = n.parent) if (LOOPS.has(n.type)) return true;
  return false;
}

/** `A | B | C` (flag names) or `0`: the names; anything else: undefined. */
function flagNames(text: string): string[] | undefined {
  if (text.length > 200) return undefined;
  const t = text.replace(/[()\s]/g, '');
  if (t === '0') return [];
  const names = t.split('|');
  return names.every((n) => CONSTANT_NAME.test(n) || /^[A-Z_][A-Z0-9_]*$/.test(n)) ? names : undefined;
}

/**
 * The truth of each enum member whose value the list shows: counted from 0, or
 * set to an integer or to a member before it (`enum { MLX4_CMD_WRAPPED,
 * MLX4_CMD_NATIVE };`). A name given two truths in the file is left out.
 */
function enumConstants(lists: readonly SyntaxNode[]): Record<string, boolean> | undefined {
  const values = new Map<string, number | undefined>();
  const clash = new Set<string>();
  for (const list of lists) {
    let next: number | undefined = 0;
    for (const e of list.namedChildren) {
      if (e?.type !== 'enumerator') continue;
      const name = e.childForFieldName('name')?.text;
      if (!name) continue;
      const valueNode = e.childForFieldName('value');
      let value: number | undefined = next;
      if (valueNode) {
        const t = valueNode.text.replace(/[()\s]/g, '').replace(/[uUlL]+$/, '');
        value = /^(?:0[xX][0-9a-fA-F]+|\d+)$/.test(t) ? Number(t) : values.get(t);
      }
      const prior = values.get(name);
      if (values.has(name) && (prior === undefined || value === undefined || (prior !== 0) !== (value !== 0))) clash.add(name);
      values.set(name, value);
      next = value === undefined ? undefined : value + 1;
    }
  }
  let out: Record<string, boolean> | undefined;
  for (const [name, v] of values) {
    if (v === undefined || clash.has(name) || !Number.isFinite(v)) continue;
    (out ??= {})[name] = v !== 0;
  }
  return out;
}

/** The truth of a literal argument or comparand: `true`, `1`, `false`, `0`, `NULL`. */
function literalTruth(text: string): boolean | undefined {
  if (text === 'true' || /^[1-9]\d*[uUlL]*$/.test(text)) return true;
  if (text === 'false' || text === 'NULL' || /^0[uUlLxX0]*$/.test(text)) return false;
  return undefined;
}

const NO_PATH: AccessPath = { text: '', base: '', baseKind: 'unknown', fields: [], fuzzy: true };

/**
 * Whether `call` being non-zero makes `cond` true (true), false (false), or
 * neither can be said (undefined). Walks `!`, parentheses, `&&`, `== 0`, `!= 0`.
 */
function conditionPolarity(call: SyntaxNode, cond: SyntaxNode): boolean | undefined {
  let truth = true;
  let node: SyntaxNode = call;
  for (let depth = 0; depth < 16 && node.id !== cond.id; depth++) {
    const parent: SyntaxNode | null = node.parent;
    if (!parent) return undefined;
    switch (parent.type) {
      case 'parenthesized_expression':
        break;
      case 'unary_expression':
        if (parent.childForFieldName('operator')?.text !== '!') return undefined;
        truth = !truth;
        break;
      case 'binary_expression': {
        const op = parent.childForFieldName('operator')?.text;
        const other = parent.childForFieldName('left')?.id === node.id ? parent.childForFieldName('right') : parent.childForFieldName('left');
        if (op === '&&') break; // true overall implies true here
        if ((op === '==' || op === '!=') && other?.text === '0') {
          if (op === '==') truth = !truth;
          break;
        }
        if (op === '<' && other?.text === '0') break; // `if (mutex_lock_interruptible(&m) < 0)`: true on error
        return undefined;
      }
      default:
        return undefined;
    }
    node = parent;
  }
  return truth;
}

export type { FileFacts, FunctionIR, StructDef, OpsBinding };

/** The value of a loop condition that is a literal (`0`, `1`, `true`, `false`), else undefined. */
function constantTruth(cond: SyntaxNode | null): boolean | undefined {
  let n = cond;
  while (n && n.type === 'parenthesized_expression' && n.namedChildCount === 1) n = n.namedChild(0);
  if (!n) return undefined;
  if (n.type === 'true') return true;
  if (n.type === 'false') return false;
  if (n.type === 'number_literal' && /^(0[xX])?[0-9a-fA-F]+[uUlL]*$/.test(n.text)) return !/^(0[xX])?0+[uUlL]*$/.test(n.text);
  return undefined;
}

/** Node types a condition may consist of and still have no side effect. */
/** What makes a loop body's release not one per turn: a branch, an early exit, an inner loop. */
const LOOP_EXITS_OR_BRANCHES: ReadonlySet<string> = new Set([
  'if_statement', 'switch_statement', 'conditional_expression', 'break_statement', 'continue_statement', 'goto_statement',
  'return_statement', 'for_statement', 'while_statement', 'do_statement',
]);

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(i);
  return out;
}

const PURE_TYPES: ReadonlySet<string> = new Set([
  'identifier', 'field_identifier', 'field_expression', 'number_literal', 'char_literal', 'true', 'false', 'null',
  'parenthesized_expression', 'unary_expression', 'binary_expression', 'pointer_expression', 'subscript_expression',
]);

/** `(!(x))` is `x` with the polarity its `!`s give: parentheses and negations peeled, `depth` of them at most. */
function stripNegations(cond: SyntaxNode | null, depth: number): { node: SyntaxNode | null; truthy: boolean } {
  let node = cond;
  let truthy = true;
  for (let i = 0; node && i < depth; i++) {
    if (node.type === 'parenthesized_expression' && node.namedChildCount === 1) node = node.namedChild(0);
    else if (node.type === 'unary_expression' && node.childForFieldName('operator')?.text === '!') {
      truthy = !truthy;
      node = node.childForFieldName('argument');
    } else break;
  }
  return { node, truthy };
}

/** A constant's name: `HostCmd_CMD_802_11_SCAN`, `MLX4_CMD_NATIVE` (an upper-case word with digits and underscores, or a prefix then one). */
const CONSTANT_NAME = /^(?:[A-Za-z][A-Za-z0-9]*_)?[A-Z][A-Z0-9_]*$/;

/**
 * A condition without calls, assignments or increments: its text (whitespace
 * dropped, leading `!` folded into the polarity) and the identifiers it reads.
 */
function pureCondition(cond: SyntaxNode | null, predicates?: PredicateReads): { key: string; truthy: boolean; idents: string[] } | undefined {
  const stripped = stripNegations(cond, 16);
  const node = stripped.node;
  let truthy = stripped.truthy;
  if (!node || node.text.length > 200) return undefined;
  // `a != b` is the negation of `a == b`: one key, so that `if (gfp == GFP_ATOMIC) lock; ... if (gfp != GFP_ATOMIC) lock;` correlate.
  let negatedEquality: string | undefined;
  if (node.type === 'binary_expression' && node.childForFieldName('operator')?.text === '!=') {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (left && right) {
      negatedEquality = `${left.text}==${right.text}`.replace(/\s+/g, '');
      truthy = !truthy;
    }
  }
  const idents = new Set<string>();
  const stack: SyntaxNode[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.type === 'call_expression') {
      // A call of a side-effect-free predicate (`uart_console(port)`): what its body reads is read here too.
      const callee = n.childForFieldName('function');
      const args = callArguments(n);
      const reads = callee?.type === 'identifier' && predicates ? predicates(callee.text, args.length) : undefined;
      if (!reads) return undefined;
      for (const r of reads) idents.add(r);
      for (const a of args) stack.push(a);
      continue;
    }
    if (!PURE_TYPES.has(n.type)) return undefined;
    if (n.type === 'pointer_expression' && n.childForFieldName('operator')?.text === '&') return undefined;
    if (n.type === 'identifier' || n.type === 'field_identifier') idents.add(n.text);
    for (const c of n.namedChildren) if (c) stack.push(c);
  }
  // A bare constant (`if (1)`, `if (DEBUG)`) decides nothing about locks worth remembering.
  if (idents.size === 0) return undefined;
  return { key: negatedEquality ?? node.text.replace(/\s+/g, ''), truthy, idents: [...idents] };
}

/** The names a side-effect-free predicate of that name and arity reads (through the predicates it calls too), or undefined. */
type PredicateReads = (name: string, arity: number) => readonly string[] | undefined;

/** What an assignment changes: the variable, or the last field (`p->a.f = ..` changes f). */
function assignedName(left: SyntaxNode): string | undefined {
  let n: SyntaxNode | null = left;
  for (let depth = 0; n && depth < 8; depth++) {
    if (n.type === 'identifier') return n.text;
    if (n.type === 'field_expression') return n.childForFieldName('field')?.text;
    if (n.type === 'parenthesized_expression') n = n.namedChild(0);
    else if (n.type === 'subscript_expression' || n.type === 'pointer_expression') n = n.childForFieldName('argument');
    else return undefined;
  }
  return undefined;
}

/** Identifiers read by the side-effect-free conditions of these if-statements, where a branch may lock or unlock. */
function guardConditions(
  ifs: readonly SyntaxNode[], locksIn: (text: string) => boolean, predicates?: PredicateReads,
): { idents: Set<string>; keys: Set<string> } {
  const idents = new Set<string>();
  const keys = new Set<string>();
  for (const stmt of ifs) {
    const branches = `${stmt.childForFieldName('consequence')?.text ?? ''}\n${stmt.childForFieldName('alternative')?.text ?? ''}`;
    if (branches.length > 4000 || !locksIn(branches)) continue;
    const pure = pureCondition(stmt.childForFieldName('condition'), predicates);
    if (!pure) continue;
    for (const id of pure.idents) idents.add(id);
    keys.add(pure.key);
  }
  return { idents, keys };
}

/** The test key of a local list's emptiness (no condition's text: pureCondition never keeps an `&`). */
function listKey(list: string): string {
  return `list_empty(&${list})`;
}

function isListKey(key: string): boolean {
  return key.startsWith('list_empty(&');
}

/**
 * The function's own list heads that start empty (LINUX_LOCAL_LISTS.declare, or a `struct list_head l` given
 * INIT_LIST_HEAD(&l)) and whose every use is its declaration, `LIST_HEAD(l)`, or `&l` as an argument of a
 * call by name: each one's name and where its last use ends. A head whose address goes anywhere else (an
 * alias, a field, a function pointer's call) is not followed: what fills it cannot be seen.
 */
function findLocalLists(body: SyntaxNode): Map<string, number> {
  const out = new Map<string, number>();
  const text = body.text;
  if (!/\bstruct\s+list_head\s+\w+\s*[;=,]|\bLIST_HEAD\s*\(/.test(text)) return out;
  const declared = new Set<string>();
  for (const m of text.matchAll(/\bstruct\s+list_head\s+(\w+)\s*[;=,]|\bLIST_HEAD\s*\(\s*(\w+)\s*\)/g)) declared.add(m[1] ?? m[2]);
  const bad = new Set<string>();
  const last = new Map<string, number>();
  for (const id of body.descendantsOfType('identifier')) {
    if (!id || !declared.has(id.text) || bad.has(id.text)) continue;
    last.set(id.text, Math.max(last.get(id.text) ?? 0, id.endIndex));
    if (!localListUse(id)) bad.add(id.text);
  }
  for (const [name, end] of last) if (!bad.has(name)) out.set(name, end);
  return out;
}

/** One use of a local list head that findLocalLists follows. */
function localListUse(id: SyntaxNode): boolean {
  const parent = id.parent;
  if (!parent) return false;
  // `struct list_head l;`, `struct list_head l = LIST_HEAD_INIT(l);`
  const decl = parent.type === 'init_declarator' ? parent.parent : parent;
  if ((parent.type === 'declaration' || parent.type === 'init_declarator') && sameSpan(id, parent.childForFieldName('declarator') ?? undefined)) {
    // (Not a static one: it keeps what earlier calls put on it.)
    return decl?.type === 'declaration' && /^struct\s+list_head$/.test(decl.childForFieldName('type')?.text ?? '')
      && !decl.namedChildren.some((c) => c?.type === 'storage_class_specifier' && c.text === 'static');
  }
  const callOf = (args: SyntaxNode | null): SyntaxNode | undefined =>
    (args?.type === 'argument_list' && args.parent?.type === 'call_expression' && args.parent.childForFieldName('function')?.type === 'identifier'
      ? args.parent : undefined);
  // `LIST_HEAD(l);`, `LIST_HEAD_INIT(l)`
  const named = callOf(parent);
  if (named) return LINUX_LOCAL_LISTS.declare.includes(named.childForFieldName('function')?.text ?? '') && parent.namedChildCount === 1;
  // `&l` handed to a call by name
  return parent.type === 'pointer_expression' && parent.childForFieldName('operator')?.text === '&' && callOf(parent.parent) !== undefined;
}

/**
 * The iterator call of a macro loop statement: a call missing its `;` and
 * followed by a block (`skb_queue_walk_safe(q, skb, tmp) { .. }` is no C but a
 * loop macro's), or a `*for_each*` one followed by a single statement.
 */
function macroLoopHead(stmt: SyntaxNode): SyntaxNode | undefined {
  if (stmt.type !== 'expression_statement' || stmt.text.trimEnd().endsWith(';')) return undefined;
  const call = stmt.namedChild(0);
  if (call?.type !== 'call_expression') return undefined;
  const name = call.childForFieldName('function');
  if (name?.type !== 'identifier') return undefined;
  if (/for_each|foreach/i.test(name.text)) return call;
  return stmt.nextNamedSibling?.type === 'compound_statement' ? call : undefined;
}

/** Names that attribute macros paste together (DEVICE_ATTR_RW(foo) -> foo_show, DEFINE_SHOW_ATTRIBUTE(foo) -> foo_open). */
const PASTED_NAME = /_(?:show|store|open|read|write|get|set|fops)$/;

/** Occurrences of each identifier in a source text, counted once per text (the last one asked about). */
let identifierCounts: { source: string; counts: Map<string, number> } | undefined;

/** A static function whose name appears nowhere else in its file (not built by token pasting): nothing here calls it. */
function unreferencedIn(source: string, name: string, isStatic: boolean): boolean {
  return isStatic && !PASTED_NAME.test(name) && identifierCount(source, name) <= 1;
}

function identifierCount(source: string, name: string): number {
  if (identifierCounts?.source !== source) {
    const counts = new Map<string, number>();
    IDENTIFIER.lastIndex = 0;
    for (let m = IDENTIFIER.exec(source); m; m = IDENTIFIER.exec(source)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
    identifierCounts = { source, counts };
  }
  return identifierCounts.counts.get(name) ?? 0;
}

/** The field a call goes through: `x->f(..)`, `(*x->f)(..)`, `x->f[i](..)`; undefined for other callees. */
function fieldCallee(fnNode: SyntaxNode): SyntaxNode | undefined {
  let n: SyntaxNode | null = fnNode;
  for (let depth = 0; n && depth < 4; depth++) {
    if (n.type === 'field_expression') return n;
    if (n.type === 'parenthesized_expression') n = n.namedChild(0);
    else if (n.type === 'pointer_expression' && n.childForFieldName('operator')?.text === '*') n = n.childForFieldName('argument');
    else if (n.type === 'subscript_expression') n = n.childForFieldName('argument');
    else return undefined;
  }
  return undefined;
}

/** What a call through a pointer names once parentheses and `*` are peeled: `(*step)` -> step, `(*tbl[i])` -> tbl[i]. */
function pointerCallee(fnNode: SyntaxNode): SyntaxNode | undefined {
  let n: SyntaxNode | null = fnNode;
  for (let depth = 0; n && depth < 4; depth++) {
    if (n.type === 'parenthesized_expression') n = n.namedChild(0);
    else if (n.type === 'pointer_expression' && n.childForFieldName('operator')?.text === '*') n = n.childForFieldName('argument');
    else return n;
  }
  return undefined;
}

/** Whether a definition or declaration carries `static`. */
function isStaticNode(node: SyntaxNode): boolean {
  return node.namedChildren.some((c) => c?.type === 'storage_class_specifier' && c.text === 'static');
}
