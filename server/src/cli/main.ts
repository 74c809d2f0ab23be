// The `lockscope` command: check | explain | facts | patch | lsp. Thin: it
// parses arguments, gathers sources, calls the engine and a renderer. Bad
// usage and bad input are one-line messages with exit status 2, never a
// stack trace.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeFacts, apiTableFor, macroTable, type EngineOptions } from '../engine/analyze';
import { addCorePredicates, addTreeSummaries, findKernelRoot, findXenRoot } from '../engine/tree';
import type { FileFacts, MacroDef } from '../extract/ir';
import type { ApiTable } from '../kernel-api/types';
import type { AnalysisResult, SourceFile } from '../engine/api';
import { readSource, walkSources } from '../engine/files';
import { collectFacts } from '../engine/pool';
import { defaultCacheDir, fingerprintOf } from '../engine/cache';
import { recordRun, reuseRun, type RecordScope } from '../engine/runrecord';
import { extractSource, extractionFailure } from '../extract/extract';
import { ConfigError, loadConfig, type Config } from '../config/config';
import { renderJson } from '../report/json';
import { renderText } from '../report/text';
import { renderSarif } from '../report/sarif';
import { explainText } from '../report/explain';
import { describeFacts } from '../engine/facts';

export const VERSION = '0.1.0';

const USAGE = `usage: lockscope <command> [options]

commands:
  check [PATH...]            analyse C files and directories (default: .)
  explain FILE:LINE [PATH...] explain the finding at FILE:LINE, CPU by CPU
  facts FILE [PATH...]       print what extraction saw in FILE, with contexts from PATHs
  patch [FILE|-]             which deadlocks a patch introduces or fixes
  lsp --stdio                run the language server for any LSP editor

options:
  --format text|json|sarif   output format (check, patch; facts: json)
  --config FILE              configuration (default: .lockscope.json at the analysed root)
  --all                      also report candidates the simulator did not confirm
  --show-suppressed          also report suppressed findings, marked
  --no-simulate              report the rules' candidates without simulating them
  --jobs N                   worker threads (default: one per core)
  --no-cache                 do not read or write the facts cache
  --primitives-only          only the locking primitives' table (no subsystem helpers or ops contexts)
  --no-tree-summaries        inside a kernel tree, do not summarize the core functions the code calls
  --root DIR                 (patch) the tree the patch applies to (default: .)
  --git REV|A..B             (patch) check commits of the repository at --root
  --help, --version

The facts cache lives outside the analysed tree: $LOCKSCOPE_CACHE_DIR, else
$XDG_CACHE_HOME/lockscope, else ~/.cache/lockscope.`;

class UsageError extends Error {}

interface Args {
  command: string;
  positional: string[];
  format: 'text' | 'json' | 'sarif';
  config?: string;
  all: boolean;
  showSuppressed: boolean;
  simulate: boolean;
  jobs?: number;
  cache: boolean;
  root?: string;
  git?: string;
  primitivesOnly: boolean;
  treeSummaries: boolean;
}

const VALUE_FLAGS = new Set(['--format', '--config', '--jobs', '--root', '--git']);

function parseArgs(argv: string[]): Args {
  const args: Args = { command: argv[0] ?? '', positional: [], format: 'text', all: false, showSuppressed: false, simulate: true, cache: true, primitivesOnly: false, treeSummaries: true };
  for (let i = 1; i < argv.length; i++) {
    let a = argv[i];
    let value: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) {
      value = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    if (VALUE_FLAGS.has(a) && value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`${a} needs a value`);
    }
    switch (a) {
      case '--format':
        if (value !== 'text' && value !== 'json' && value !== 'sarif') throw new UsageError(`--format takes text, json or sarif, not "${value}"`);
        args.format = value;
        break;
      case '--config': args.config = value; break;
      case '--all': args.all = true; break;
      case '--show-suppressed': args.showSuppressed = true; break;
      case '--no-simulate': args.simulate = false; break;
      case '--no-cache': args.cache = false; break;
      case '--primitives-only': args.primitivesOnly = true; break;
      case '--no-tree-summaries': args.treeSummaries = false; break;
      case '--root': args.root = value; break;
      case '--git': args.git = value; break;
      case '--jobs': {
        const n = Number(value);
        if (!Number.isInteger(n) || n < 1 || n > 256) throw new UsageError('--jobs takes a whole number from 1 to 256');
        args.jobs = n;
        break;
      }
      case '--stdio': case '--node-ipc': break; // lsp transport flags
      default:
        if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
        args.positional.push(argv[i]);
    }
  }
  return args;
}

interface IO {
  stdout(s: string): void;
  stderr(s: string): void;
}

const processIO: IO = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
};

/**
 * `LOCKSCOPE_TRACE=1`: each stage's end on stderr with its wall time, heap and RSS (where a big run spends).
 * `LOCKSCOPE_TRACE=gc` under `node --expose-gc`: a full GC first, so the heap is what the stage keeps alive.
 */
function stageTrace(io: IO): PathOptions['trace'] {
  if (!process.env.LOCKSCOPE_TRACE) return undefined;
  let last = Date.now();
  return (stage, info) => {
    const now = Date.now();
    if (process.env.LOCKSCOPE_TRACE === 'gc') (globalThis as { gc?: () => void }).gc?.();
    const mem = process.memoryUsage();
    const counts = info ? Object.entries(info).map(([k, v]) => ` ${k}=${v}`).join('') : '';
    io.stderr(`lockscope: ${stage} ${((now - last) / 1000).toFixed(1)} s, heap ${Math.round(mem.heapUsed / 2 ** 20)} MB, rss ${Math.round(mem.rss / 2 ** 20)} MB${counts}\n`);
    last = now;
  };
}

export async function main(argv: string[], io: IO = processIO): Promise<number> {
  let args: Args;
  try {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      io.stdout(`${USAGE}\n`);
      return argv.length === 0 ? 2 : 0;
    }
    if (argv[0] === '--version') {
      io.stdout(`lockscope ${VERSION}\n`);
      return 0;
    }
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`lockscope: ${e.message}\n${USAGE.split('\n')[0]}\n`);
      return 2;
    }
    throw e;
  }
  try {
    switch (args.command) {
      case 'check': return await runCheck(args, io);
      case 'explain': return await runExplain(args, io);
      case 'facts': return await runFacts(args, io);
      case 'patch': return await runPatch(args, io);
      case 'lsp': {
        const { runLsp } = await import('../lsp/main.js');
        return await runLsp(argv.slice(1));
      }
      default:
        io.stderr(`lockscope: unknown command "${args.command}"\n${USAGE.split('\n')[0]}\n`);
        return 2;
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof ConfigError || e instanceof InputError) {
      io.stderr(`lockscope: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

class InputError extends Error {}

/** The analysed root: the one directory named, else the current directory. */
function rootOf(paths: string[]): string {
  if (paths.length === 1) {
    try {
      if (fs.statSync(paths[0]).isDirectory()) return paths[0];
    } catch { /* reported by the walk */ }
  }
  return '.';
}

function configFor(args: Args, paths: string[]): Config {
  const config = loadConfig(rootOf(paths), args.config);
  if (args.primitivesOnly) config.knowledge = 'primitives';
  return config;
}

/** Small inputs run in-process; larger ones in the worker pool with the facts cache. */
const IN_PROCESS_MAX_FILES = 48;
const IN_PROCESS_MAX_BYTES = 2 * 1024 * 1024;

export interface PathOptions extends EngineOptions {
  jobs?: number;
  cache?: boolean;
  /** Summaries of the kernel tree's core functions the analysed code calls (default on inside a kernel tree). */
  treeSummaries?: boolean;
  /** Told what the tree look-up cost and added (for --stats style reporting). */
  onTree?: (info: { root: string; added: number; lookedUp: number; ms: number }) => void;
}

/**
 * Macro wrappers come from headers; a .c file's own macros are found while extracting it.
 * Read here, not in analyzePaths: an async function's frame keeps its locals for the whole
 * run, and the headers' texts are hundreds of MB on drivers/.
 */
function headerMacros(files: ReadonlyArray<{ file: string; abs: string }>, api: ApiTable): Map<string, MacroDef> {
  const headers: SourceFile[] = [];
  for (const f of files) {
    if (!f.file.endsWith('.h')) continue;
    try {
      headers.push({ file: f.file, text: fs.readFileSync(f.abs, 'utf8') });
    } catch { /* the walk or extraction reports unreadable files */ }
  }
  return macroTable(headers, api);
}

export async function analyzePaths(paths: string[], config: Config, opts: PathOptions): Promise<AnalysisResult> {
  const started = Date.now();
  const walk = walkSources(paths, { maxBytes: config.maxFileBytes });
  if (walk.errors.length > 0) throw new InputError(walk.errors.map((e) => `${e.file}: ${e.message}`).join('; '));
  const excluded = (file: string): boolean => config.exclude.some((pattern) => file.includes(pattern));
  const files = walk.files.filter((f) => !excluded(f.file));
  const api = apiTableFor(config);
  // In-process only for a few small files; anything else gets the pool and its per-file time budget.
  const inProcess = files.length <= IN_PROCESS_MAX_FILES && opts.jobs === undefined
    && files.reduce((n, f) => n + f.size, 0) <= IN_PROCESS_MAX_BYTES;
  // A pooled run with the cache may answer from the last run of the same paths, options and build.
  const scope: RecordScope | undefined = inProcess || opts.cache === false ? undefined : {
    cacheDir: defaultCacheDir(),
    inputs: {
      cwd: process.cwd(), paths, config: fingerprintOf(config), all: opts.all === true, simulate: opts.simulate !== false,
      treeSummaries: opts.treeSummaries !== false,
    },
  };
  if (scope) {
    const reused = await reuseRun(scope, files, config, api, opts.showSuppressed === true);
    if (reused) {
      opts.trace?.('reused', { files: files.length, changed: reused.changed.length });
      return reused.result;
    }
  }
  const macros = headerMacros(files, api);
  const root = opts.treeSummaries === false ? undefined : findKernelRoot(paths);
  // In a kernel tree, the headers' side-effect-free predicates too.
  if (root) addCorePredicates(macros, root, api);
  const envData = { rows: api.rows, opsRows: api.opsRows, macros: [...macros.values()] };
  const skipped = [...walk.skipped];
  const texts = new Map<string, string>();

  /** Extraction, in-process for a handful of files, else in the worker pool with the facts cache. */
  const extract = async (list: Array<{ file: string; abs: string }>, pooled: boolean): Promise<FileFacts[]> => {
    if (!pooled) {
      const out: FileFacts[] = [];
      for (const f of list) {
        let source: ReturnType<typeof readSource>;
        try {
          source = readSource(f.abs);
        } catch (e) {
          skipped.push({ file: f.file, reason: `unreadable (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
          continue;
        }
        if ('skipped' in source) {
          skipped.push({ file: f.file, reason: source.skipped });
          continue;
        }
        const { text } = source;
        texts.set(f.file, text);
        try {
          out.push(await extractSource(f.file, text, { api, macros }));
        } catch (e) {
          skipped.push({ file: f.file, reason: extractionFailure(e) });
        }
      }
      return out;
    }
    const collected = await collectFacts(list.map((f) => f.file), {
      jobs: opts.jobs,
      maxBytes: config.maxFileBytes,
      env: envData,
      cache: opts.cache === false ? false : {},
    });
    skipped.push(...collected.skipped);
    return collected.facts;
  };

  const facts = await extract(files, !inProcess);
  opts.trace?.('extract', { files: facts.length, skipped: skipped.length });
  let coreFiles: Set<string> | undefined;
  if (root) {
    const tree = await addTreeSummaries(facts, root, api, async (abs) => {
      const list = abs.map((a) => ({ file: a, abs: a }));
      return extract(list, list.length > IN_PROCESS_MAX_FILES || opts.jobs !== undefined);
    });
    coreFiles = tree.coreFiles;
    opts.onTree?.({ root, added: tree.added, lookedUp: tree.lookedUp, ms: tree.ms });
    opts.trace?.('tree summaries', { added: tree.added });
  }
  const textOf = (file: string): string | undefined => {
    const t = texts.get(file);
    if (t !== undefined) return t;
    try {
      return fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  };
  // In the Xen hypervisor nothing sleeps: sleep-in-atomic is a Linux rule.
  const hypervisor = findXenRoot(paths) !== undefined;
  const result = analyzeFacts(facts, { ...opts, config, coreFiles, hypervisor, keepUnfiltered: scope !== undefined }, textOf, skipped, started);
  if (scope) recordRun(scope, files, result, [...coreFiles ?? []], { macros: envData.macros, fingerprint: fingerprintOf(envData) }, started);
  return result;
}

async function runCheck(args: Args, io: IO): Promise<number> {
  const paths = args.positional.length > 0 ? args.positional : ['.'];
  const config = configFor(args, paths);
  const result = await analyzePaths(paths, config, {
    all: args.all, showSuppressed: args.showSuppressed, simulate: args.simulate, jobs: args.jobs, cache: args.cache,
    treeSummaries: args.treeSummaries && !args.primitivesOnly, trace: stageTrace(io),
  });
  io.stdout(args.format === 'json' ? renderJson(result) : args.format === 'sarif' ? renderSarif(result, VERSION) : renderText(result));
  return result.findings.some((f) => !f.suppressed) ? 1 : 0;
}

async function runExplain(args: Args, io: IO): Promise<number> {
  const [where, ...rest] = args.positional;
  const m = where ? /^(.*):(\d+)$/.exec(where) : null;
  if (!m) throw new UsageError('explain takes FILE:LINE, e.g. lockscope explain drivers/xen/evtchn.c:412');
  const file = m[1];
  const line = Number(m[2]);
  if (!fs.existsSync(file)) throw new InputError(`${file}: not found`);
  const paths = rest.length > 0 ? rest : [path.dirname(file)];
  const config = configFor(args, paths);
  const result = await analyzePaths(paths, config, { all: true, showSuppressed: true, jobs: args.jobs, cache: args.cache });
  const same = (f: string): boolean => path.resolve(f) === path.resolve(file);
  const atPrimary = result.findings.filter((f) => same(f.location.file) && f.location.line === line);
  const onPath = result.findings.filter((f) => f.related.some((r) => same(r.file) && r.line === line));
  const chosen = atPrimary.length > 0 ? atPrimary : onPath;
  if (chosen.length === 0) {
    io.stderr(`lockscope: no finding at ${file}:${line} (${result.findings.length} finding(s) in ${paths.join(' ')})\n`);
    return 2;
  }
  io.stdout(chosen.map((f) => explainText(f)).join('\n'));
  return 0;
}

async function runFacts(args: Args, io: IO): Promise<number> {
  const [file, ...context] = args.positional;
  if (!file) throw new UsageError('facts takes a C file');
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
    throw new InputError(`${file}: a directory; facts takes one C file (directories after it give the callers and registrations for its contexts)`);
  }
  const config = configFor(args, [path.dirname(file)]);
  const walk = walkSources([file], { maxBytes: config.maxFileBytes });
  if (walk.errors.length > 0) throw new InputError(walk.errors.map((e) => `${e.file}: ${e.message}`).join('; '));
  if (walk.files.length === 0) throw new InputError(`${file}: ${walk.skipped[0]?.reason ?? 'not analysed'}`);
  const api = apiTableFor(config);
  // The file's functions get their contexts from the whole of the given paths: callers, registrations, ops tables.
  const others = context.length > 0 ? walkSources(context, { maxBytes: config.maxFileBytes }) : undefined;
  if (others && others.errors.length > 0) throw new InputError(others.errors.map((e) => `${e.file}: ${e.message}`).join('; '));
  const target = walk.files[0];
  const sources: SourceFile[] = [];
  try {
    sources.push({ file: target.file, text: fs.readFileSync(target.abs, 'utf8') });
  } catch (e) {
    throw new InputError(`${target.file}: unreadable (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  for (const f of (others?.files ?? []).filter((o) => path.resolve(o.abs) !== path.resolve(target.abs))) {
    try {
      const source = readSource(f.abs);
      if ('text' in source) sources.push({ file: f.file, text: source.text });
    } catch { /* an unreadable context file only gives fewer contexts */ }
  }
  const macros = macroTable(sources.filter((f) => f.file.endsWith('.h')), api);
  // As check sees them: in a kernel tree, the headers' side-effect-free predicates too.
  const root = args.treeSummaries ? findKernelRoot([target.abs]) : undefined;
  if (root) addCorePredicates(macros, root, api);
  const facts: FileFacts[] = [];
  for (const f of sources) facts.push(await extractSource(f.file, f.text, { api, macros }));
  io.stdout(`${JSON.stringify(describeFacts(facts, config, target.file), null, 2)}\n`);
  return 0;
}

async function runPatch(args: Args, io: IO): Promise<number> {
  const { runPatchCommand } = await import('../patch/command.js');
  const { gitRevisionsPatch } = await import('../patch/git.js');
  const root = args.root ?? '.';
  let patch: string;
  let source: string;
  if (args.git) {
    const text = gitRevisionsPatch(root, args.git);
    if (typeof text !== 'string') throw new InputError(text.message);
    patch = text;
    source = args.git;
  } else {
    source = args.positional[0] ?? '-';
    try {
      patch = source === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(source, 'utf8');
    } catch (e) {
      throw new InputError(`${source}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return runPatchCommand({ patch, source, root, format: args.format, all: args.all, configFile: args.config }, io);
}
