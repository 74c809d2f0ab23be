// The lockscope language server: glue between an LSP connection and the
// engine. It owns the open documents (text + tree, kept by incremental
// edits), the background index of the workspace, and the last analysis; it
// analyses nothing itself. Every handler catches its own errors: a failing
// request is answered with a JSON-RPC error (InternalError, or InvalidParams
// for bad arguments), a cancelled one with RequestCancelled (-32800).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  ErrorCodes,
  LSPErrorCodes,
  ResponseError,
  TextDocumentSyncKind,
  type CodeAction,
  type CodeActionParams,
  type CodeLens,
  type CodeLensParams,
  type Connection,
  type CancellationToken as LspToken,
  type Diagnostic,
  type Hover,
  type HoverParams,
  type InitializeParams,
  type InitializeResult,
  type ServerCapabilities,
  type WorkDoneProgressServerReporter,
} from 'vscode-languageserver';
import { CancelledError, type AnalysisResult, type CancellationToken } from '../engine/api';
import { SourceDocument } from '../engine/document';
import { ConfigError, defaultConfig, loadConfig, parseConfig, type Config } from '../config/config';
import type { Finding } from '../report/finding';
import type { CheckPatchResult, DiagnosticData, ExplainArgs, ExplainResult, LockGraphResult, StatusParams } from '../protocol/messages';
import { normalizeSettings, makeExcluder, type Settings } from './settings';
import { explainMarkdown } from '../report/explain';
import { callEnd, siteRange, toDiagnostic, toExplain, toLockGraph, type FileMap, type MarkdownRenderer } from './toProto';
import { codeActionsFor } from './codeActions';
import { workspaceEngine, type EngineFactory, type EngineHost } from './engineHost';

import { CHECK_PATCH_COMMAND, EXPLAIN_COMMAND, LOCK_GRAPH_COMMAND, STATUS_NOTIFICATION } from './commands';
import { runCheckPatch } from './checkPatch';

export { CHECK_PATCH_COMMAND, EXPLAIN_COMMAND, LOCK_GRAPH_COMMAND, STATUS_NOTIFICATION };

export interface ServerOptions {
  engine?: EngineFactory;
  markdown?: MarkdownRenderer;
  log?: (msg: string) => void;
}

/** Pure: what the server offers, pinned by a test. */
export function capabilities(): ServerCapabilities {
  return {
    textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: false },
    hoverProvider: true,
    codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
    codeLensProvider: { resolveProvider: false },
    executeCommandProvider: { commands: [EXPLAIN_COMMAND, LOCK_GRAPH_COMMAND, CHECK_PATCH_COMMAND] },
    workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
  };
}

interface ClientCaps {
  configuration: boolean;
  relatedInformation: boolean;
  workDoneProgress: boolean;
  codeLens: boolean;
}

const C_EXT = new Set(['.c', '.h']);

class MutableToken implements CancellationToken {
  isCancellationRequested = false;
}

export class LockscopeServer {
  private caps: ClientCaps = { configuration: false, relatedInformation: false, workDoneProgress: false, codeLens: false };
  private settings: Settings = normalizeSettings(undefined);
  private config: Config = defaultConfig();
  private root: string | undefined;
  private engine!: EngineHost;
  private readonly docs = new Map<string, SourceDocument>(); // by file (engine name)
  private readonly uriByFile = new Map<string, string>();
  /** Files read by the index (engine name → absolute path). */
  private readonly indexed = new Map<string, string>();
  private result: AnalysisResult | undefined;
  private findingsById = new Map<string, Finding>();
  private published = new Set<string>();
  private status: StatusParams = { state: 'starting', indexed: 0, total: 0, files: 0, findings: 0 };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private token: MutableToken | undefined;
  private dirty = false;
  private generation = 0;
  /** When the last didChange arrived (ms since the epoch; 0: none yet). */
  private lastChangeAt = 0;
  private indexToken: MutableToken | undefined;
  private indexing: Promise<void> | undefined;
  private readonly engineFactory: EngineFactory;
  private readonly markdown: MarkdownRenderer;
  private readonly log: (msg: string) => void;
  /** Resolvers waiting for the server to be idle (tests, latency script). */
  private idleWaiters: Array<() => void> = [];

  readonly files: FileMap = {
    uriOf: (file) => this.uriOf(file),
    lineText: (file, line) => {
      const doc = this.docs.get(file);
      if (doc) return doc.lineText(line);
      return undefined;
    },
  };

  constructor(private readonly connection: Connection, opts: ServerOptions = {}) {
    this.engineFactory = opts.engine ?? workspaceEngine;
    this.markdown = opts.markdown ?? explainMarkdown;
    this.log = opts.log ?? ((m) => connection.console.log(m));
    connection.onInitialize((p) => this.initialize(p));
    connection.onInitialized(() => void this.initialized());
    connection.onDidOpenTextDocument((p) => this.guard('didOpen', () => this.didOpen(p.textDocument.uri, p.textDocument.text, p.textDocument.version)));
    connection.onDidChangeTextDocument((p) =>
      this.guard('didChange', () => this.didChange(p.textDocument.uri, p.contentChanges, p.textDocument.version)),
    );
    connection.onDidCloseTextDocument((p) => this.guard('didClose', () => this.didClose(p.textDocument.uri)));
    connection.onDidChangeConfiguration((p) => this.guard('config', () => this.reloadSettings(p.settings?.lockscope)));
    connection.onDidChangeWatchedFiles((p) => this.guard('watched', () => this.watched(p.changes.map((c) => ({ uri: c.uri, type: c.type })))));
    connection.onHover((p, token) => this.safe('hover', token, () => this.hover(p)));
    connection.onCodeAction((p, token) => this.safe('codeAction', token, () => this.codeActions(p)));
    connection.onCodeLens((p, token) => this.safe('codeLens', token, () => this.codeLenses(p)));
    connection.onExecuteCommand((p, token) => this.safe('executeCommand', token, () => this.execute(p.command, p.arguments ?? [], token)));
    connection.onShutdown(() => {
      this.indexToken && (this.indexToken.isCancellationRequested = true);
      this.token && (this.token.isCancellationRequested = true);
      if (this.timer) clearTimeout(this.timer);
    });
  }

  // -------------------------------------------------------------------------
  // lifecycle

  private async initialize(p: InitializeParams): Promise<InitializeResult> {
    await SourceDocument.ready();
    const c = p.capabilities;
    this.caps = {
      configuration: c.workspace?.configuration === true,
      relatedInformation: c.textDocument?.publishDiagnostics?.relatedInformation === true,
      workDoneProgress: c.window?.workDoneProgress === true,
      codeLens: c.textDocument?.codeLens !== undefined,
    };
    const folder = p.workspaceFolders?.[0]?.uri ?? p.rootUri ?? undefined;
    this.root = folder ? fileURLToPath(folder) : p.rootPath ?? undefined;
    const init = p.initializationOptions as { settings?: unknown } | undefined;
    this.settings = normalizeSettings(init?.settings ?? init);
    this.loadConfig();
    this.engine = this.engineFactory({ root: this.root, config: this.config });
    return { capabilities: capabilities(), serverInfo: { name: 'lockscope', version: '0.1.0' } };
  }

  private async initialized(): Promise<void> {
    try {
      if (this.caps.configuration) {
        void this.connection.client.register(DidChangeConfigurationNotification.type, { section: 'lockscope' }).catch(() => undefined);
        const s = await this.connection.workspace.getConfiguration('lockscope');
        if (s) this.applySettings(normalizeSettings(s), false);
      }
    } catch (e) {
      this.log(`lockscope: reading settings failed: ${(e as Error).message}`);
    }
    this.sendStatus({ state: 'idle' });
    this.startIndexing();
    if (this.docs.size > 0) this.schedule(0);
  }

  private loadConfig(): void {
    let cfg = defaultConfig();
    if (this.root) {
      try {
        cfg = loadConfig(this.root);
      } catch (e) {
        if (e instanceof ConfigError) this.connection.window.showWarningMessage(`lockscope: ${e.message}`);
        else throw e;
      }
    }
    const fromSettings: Record<string, unknown> = {};
    if (this.settings.api !== undefined && this.settings.api !== null) fromSettings.api = this.settings.api;
    if (Object.keys(this.settings.simulator).length) fromSettings.simulator = this.settings.simulator;
    try {
      const s = parseConfig(fromSettings, 'setting lockscope');
      cfg = {
        ...cfg,
        apiAdd: [...cfg.apiAdd, ...s.apiAdd],
        apiRemove: [...cfg.apiRemove, ...s.apiRemove],
        simulator: { ...cfg.simulator, ...s.simulator },
      };
    } catch (e) {
      if (e instanceof ConfigError) this.connection.window.showWarningMessage(`lockscope: ${e.message}`);
      else throw e;
    }
    this.config = cfg;
  }

  private reloadSettings(raw: unknown): void {
    if (this.caps.configuration) {
      void this.connection.workspace.getConfiguration('lockscope').then(
        (s) => this.applySettings(normalizeSettings(s), true),
        (e) => this.log(`lockscope: settings: ${(e as Error).message}`),
      );
    } else if (raw !== undefined) this.applySettings(normalizeSettings(raw), true);
  }

  private applySettings(next: Settings, reindex: boolean): void {
    const prev = this.settings;
    this.settings = next;
    const engineChanged = JSON.stringify(prev.api) !== JSON.stringify(next.api) || JSON.stringify(prev.simulator) !== JSON.stringify(next.simulator);
    const scopeChanged = JSON.stringify(prev.scope) !== JSON.stringify(next.scope);
    if (engineChanged) this.rebuildEngine();
    if (scopeChanged && reindex) this.startIndexing();
    else if (engineChanged || JSON.stringify(prev.rules) !== JSON.stringify(next.rules) || prev.showUnconfirmed !== next.showUnconfirmed || prev.relatedInMessage !== next.relatedInMessage) {
      if (this.result && !engineChanged) this.publish(this.result);
      else this.schedule(0);
    }
  }

  private rebuildEngine(): void {
    this.loadConfig();
    this.engine = this.engineFactory({ root: this.root, config: this.config });
    for (const [file, abs] of this.indexed) {
      if (this.docs.has(file)) continue;
      try {
        this.engine.setFile(file, fs.readFileSync(abs, 'utf8'));
      } catch {
        this.indexed.delete(file);
      }
    }
    for (const [file, doc] of this.docs) this.engine.setFile(file, doc.text, doc);
  }

  // -------------------------------------------------------------------------
  // files and URIs

  fileOf(uri: string): string {
    let abs: string;
    try {
      abs = uri.startsWith('file:') ? fileURLToPath(uri) : uri;
    } catch {
      abs = uri;
    }
    if (this.root) {
      const rel = path.relative(this.root, abs);
      if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
    }
    return abs;
  }

  private absOf(file: string): string {
    return path.isAbsolute(file) || !this.root ? file : path.join(this.root, file);
  }

  uriOf(file: string): string {
    return this.uriByFile.get(file) ?? pathToFileURL(this.absOf(file)).href;
  }

  // -------------------------------------------------------------------------
  // documents

  private didOpen(uri: string, text: string, version: number): void {
    const file = this.fileOf(uri);
    if (!C_EXT.has(path.extname(file))) return;
    this.uriByFile.set(file, uri);
    this.docs.get(file)?.dispose();
    const doc = SourceDocument.openSync(file, text, version);
    this.docs.set(file, doc);
    this.engine.setFile(file, doc.text, doc);
    this.schedule(0);
  }

  private didChange(uri: string, changes: Parameters<SourceDocument['applyChanges']>[0], version: number): void {
    const file = this.fileOf(uri);
    const doc = this.docs.get(file);
    if (!doc) return;
    doc.applyChanges(changes, version);
    this.engine.setFile(file, doc.text, doc);
    // The first change after a quiet spell is analysed at once; the ones that follow it within
    // debounceMs (typing) wait until it pauses, and cancel what runs meanwhile.
    const now = Date.now();
    const quiet = !this.running && !this.timer && now - this.lastChangeAt >= this.settings.debounceMs;
    this.lastChangeAt = now;
    this.schedule(quiet ? 0 : this.settings.debounceMs);
  }

  private didClose(uri: string): void {
    const file = this.fileOf(uri);
    const doc = this.docs.get(file);
    if (!doc) return;
    doc.dispose();
    this.docs.delete(file);
    const abs = this.indexed.get(file);
    let onDisk: string | undefined;
    if (abs) {
      try {
        onDisk = fs.readFileSync(abs, 'utf8');
      } catch {
        onDisk = undefined;
      }
    }
    if (onDisk !== undefined) {
      if (onDisk !== doc.text) {
        this.engine.setFile(file, onDisk);
        this.schedule(0);
      }
    } else {
      this.engine.removeFile(file);
      this.uriByFile.delete(file);
      this.connection.sendDiagnostics({ uri, diagnostics: [] });
      this.published.delete(uri);
      this.schedule(0);
    }
  }

  private watched(changes: Array<{ uri: string; type: number }>): void {
    let any = false;
    for (const c of changes) {
      const file = this.fileOf(c.uri);
      if (path.basename(file) === '.lockscope.json') {
        this.rebuildEngine();
        any = true;
        continue;
      }
      if (!C_EXT.has(path.extname(file)) || this.docs.has(file)) continue;
      if (c.type === 3) {
        if (this.indexed.delete(file)) {
          this.engine.removeFile(file);
          any = true;
        }
      } else {
        const abs = this.absOf(file);
        if (!this.inScope(file) && !this.indexed.has(file)) continue;
        try {
          this.engine.setFile(file, fs.readFileSync(abs, 'utf8'));
          this.indexed.set(file, abs);
          any = true;
        } catch {
          /* vanished meanwhile */
        }
      }
    }
    if (any) this.schedule(this.settings.debounceMs);
  }

  // -------------------------------------------------------------------------
  // background index

  private inScope(file: string): boolean {
    if (path.isAbsolute(file)) return false;
    const { folders, exclude } = this.settings.scope;
    const excl = makeExcluder([...exclude, ...this.config.exclude]);
    if (excl(file)) return false;
    return folders.length === 0 || folders.some((f) => file === f || file.startsWith(f.replace(/\/$/, '') + '/'));
  }

  private startIndexing(): void {
    if (this.indexToken) this.indexToken.isCancellationRequested = true;
    const token = new MutableToken();
    this.indexToken = token;
    const prev = this.indexing ?? Promise.resolve();
    this.indexing = prev.then(() => this.index(token)).catch((e) => this.log(`lockscope: indexing failed: ${(e as Error).stack ?? e}`));
  }

  /** Resolves when the current index pass is over (tests). */
  async indexed_(): Promise<void> {
    await this.indexing;
  }

  private async index(token: MutableToken): Promise<void> {
    if (!this.root || token.isCancellationRequested) return;
    const { maxFiles, maxFileBytes } = this.settings.scope;
    const previously = new Set(this.indexed.keys());
    if (maxFiles === 0) {
      for (const f of previously) if (!this.docs.has(f)) this.engine.removeFile(f);
      this.indexed.clear();
      return;
    }
    let progress: WorkDoneProgressServerReporter | undefined;
    if (this.caps.workDoneProgress) {
      try {
        progress = await this.connection.window.createWorkDoneProgress();
        progress.begin('lockscope: indexing', 0, 'listing files', true);
        progress.token.onCancellationRequested(() => (token.isCancellationRequested = true));
      } catch {
        progress = undefined;
      }
    }
    const started = Date.now();
    try {
      const listed = await this.listSources(token, maxFileBytes);
      // open files' folders first, then the rest in path order; then the cap
      const openDirs = new Set([...this.docs.keys()].map((f) => path.posix.dirname(f)));
      listed.sort((a, b) => Number(openDirs.has(path.posix.dirname(b))) - Number(openDirs.has(path.posix.dirname(a))) || (a < b ? -1 : a > b ? 1 : 0));
      const capped = Math.max(0, listed.length - maxFiles);
      const take = listed.slice(0, maxFiles);
      const keep = new Set(take);
      for (const f of previously) {
        if (!keep.has(f)) {
          this.indexed.delete(f);
          if (!this.docs.has(f)) this.engine.removeFile(f);
        }
      }
      this.sendStatus({ state: 'indexing', indexed: 0, total: take.length, capped });
      let n = 0;
      let lastReport = 0;
      for (const file of take) {
        if (token.isCancellationRequested) break;
        const abs = this.absOf(file);
        if (!this.docs.has(file)) {
          try {
            const text = await fs.promises.readFile(abs, 'utf8');
            if (text.indexOf('\u0000') === -1) this.engine.setFile(file, text);
            this.indexed.set(file, abs);
          } catch {
            /* unreadable: skip */
          }
        } else this.indexed.set(file, abs);
        n++;
        const now = Date.now();
        if (now - lastReport > 200) {
          lastReport = now;
          progress?.report(Math.floor((100 * n) / Math.max(1, take.length)), `${n}/${take.length} files`);
          this.sendStatus({ state: 'indexing', indexed: n, total: take.length });
        }
      }
      this.log(
        `lockscope: indexed ${n} of ${listed.length} files in ${Date.now() - started} ms` +
          (capped ? ` (${capped} left out by lockscope.scope.maxFiles)` : '') +
          (token.isCancellationRequested ? ' (cancelled)' : ''),
      );
      this.sendStatus({ state: 'idle', indexed: n, total: take.length, capped });
    } finally {
      progress?.done();
    }
    if (!token.isCancellationRequested || this.indexed.size > 0) this.schedule(0);
  }

  private async listSources(token: MutableToken, maxBytes: number): Promise<string[]> {
    const root = this.root!;
    const out: string[] = [];
    const excl = makeExcluder([...this.settings.scope.exclude, ...this.config.exclude]);
    const starts = this.settings.scope.folders.length ? this.settings.scope.folders : [''];
    const hardCap = Math.max(this.settings.scope.maxFiles * 4, 10_000);
    const walk = async (rel: string): Promise<void> => {
      if (token.isCancellationRequested || out.length >= hardCap) return;
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(path.join(root, rel), { withFileTypes: true });
      } catch {
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        const child = rel ? `${rel}/${e.name}` : e.name;
        if (excl(child)) continue;
        if (e.isDirectory()) await walk(child);
        else if (e.isFile() && C_EXT.has(path.extname(e.name))) {
          try {
            const st = await fs.promises.stat(path.join(root, child));
            if (st.size <= maxBytes) out.push(child);
          } catch {
            /* gone */
          }
        }
        if (out.length >= hardCap) return;
      }
    };
    for (const s of starts) await walk(s.replace(/\/$/, ''));
    return out;
  }

  // -------------------------------------------------------------------------
  // analysis

  /** Analyse after `delay` ms; a newer request cancels a running analysis. */
  schedule(delay: number): void {
    this.generation++;
    if (this.token) this.token.isCancellationRequested = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, delay);
  }

  private async run(): Promise<void> {
    if (this.running) {
      this.dirty = true;
      return;
    }
    const gen = this.generation;
    const token = new MutableToken();
    this.token = token;
    this.sendStatus({ state: this.status.state === 'indexing' ? 'indexing' : 'analyzing' });
    const started = Date.now();
    this.running = (async () => {
      try {
        const bounds = { ...this.config.simulator, ...this.settings.simulator };
        const result = await this.engine.analyze({ token, bounds, all: this.settings.showUnconfirmed });
        if (token.isCancellationRequested || gen !== this.generation) return;
        this.result = result;
        this.findingsById = new Map(result.findings.map((f) => [f.id, f]));
        this.publish(result);
        this.sendStatus({
          state: this.indexToken && this.status.state === 'indexing' ? 'indexing' : 'idle',
          files: result.stats.files,
          findings: result.findings.filter((f) => !f.suppressed).length,
          durationMs: Date.now() - started,
        });
      } catch (e) {
        if (!(e instanceof CancelledError)) {
          this.log(`lockscope: analysis failed: ${(e as Error).stack ?? e}`);
          this.sendStatus({ state: 'error', message: (e as Error).message });
        }
      }
    })();
    await this.running;
    this.running = undefined;
    if (this.token === token) this.token = undefined;
    if (this.dirty || gen !== this.generation) {
      this.dirty = false;
      if (!this.timer) void this.run();
    } else if (!this.timer) this.notifyIdle();
  }

  private notifyIdle(): void {
    if (this.status.state === 'indexing') return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when no analysis is pending or running and indexing is over. */
  async whenIdle(): Promise<void> {
    await this.indexing;
    if (!this.timer && !this.running && this.status.state !== 'indexing') return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private visible(f: Finding): boolean {
    return !f.suppressed && (f.confirmed || this.settings.showUnconfirmed);
  }

  private publish(result: AnalysisResult): void {
    const byUri = new Map<string, Diagnostic[]>();
    for (const f of result.findings) {
      if (!this.visible(f)) continue;
      const d = toDiagnostic(f, this.files, {
        relatedInformation: this.caps.relatedInformation,
        relatedInMessage: this.settings.relatedInMessage,
        rules: this.settings.rules,
      });
      if (!d) continue;
      const uri = this.uriOf(f.location.file);
      const list = byUri.get(uri);
      if (list) list.push(d);
      else byUri.set(uri, [d]);
    }
    for (const file of this.docs.keys()) {
      const uri = this.uriOf(file);
      if (!byUri.has(uri)) byUri.set(uri, []);
    }
    for (const uri of this.published) if (!byUri.has(uri)) byUri.set(uri, []);
    const next = new Set<string>();
    for (const [uri, diagnostics] of byUri) {
      const doc = this.docs.get(this.fileOf(uri));
      this.connection.sendDiagnostics({ uri, version: doc?.version, diagnostics });
      if (diagnostics.length) next.add(uri);
    }
    this.published = next;
    if (this.caps.codeLens) void this.connection.sendRequest('workspace/codeLens/refresh').catch(() => undefined);
  }

  private sendStatus(patch: Partial<StatusParams>): void {
    this.status = { ...this.status, ...patch };
    if (patch.state && patch.state !== 'indexing') {
      this.status.indexed = patch.indexed ?? this.status.indexed;
    }
    void this.connection.sendNotification(STATUS_NOTIFICATION, this.status);
  }

  // -------------------------------------------------------------------------
  // requests

  private findingsIn(file: string): Finding[] {
    return (this.result?.findings ?? []).filter((f) => this.visible(f) && f.location.file === file);
  }

  private hover(p: HoverParams): Hover | null {
    const file = this.fileOf(p.textDocument.uri);
    const { line, character } = p.position;
    const parts: string[] = [];
    const doc = this.docs.get(file);
    const lineText = doc?.lineText(line);
    for (const s of this.result?.lockSites ?? []) {
      if (s.site.file !== file || s.site.line - 1 !== line) continue;
      const start = s.site.column - 1;
      const end = lineText !== undefined ? callEnd(lineText, start) : start + s.api.length;
      if (character < start || character > end) continue;
      const ctxs = s.contexts
        .filter((c) => !(c.site.file === s.site.file && c.site.line === s.site.line))
        .map((c) => `- ${c.ctx} — \`${c.fn}()\` ${path.posix.basename(c.site.file)}:${c.site.line}`);
      parts.push(
        `**lock class** \`${s.cls}\` (\`${s.api}\` in \`${s.fn}()\`)`,
        '',
        `**held here:** ${s.held.length ? s.held.map((h) => `\`${h}\``).join(', ') : 'nothing'}`,
        '',
        ctxs.length ? `**taken elsewhere:**\n${ctxs.slice(0, 12).join('\n')}${ctxs.length > 12 ? `\n- … ${ctxs.length - 12} more` : ''}` : '**taken elsewhere:** nowhere else',
      );
    }
    for (const f of this.findingsIn(file)) {
      if (f.location.line - 1 !== line) continue;
      if (parts.length) parts.push('', '---', '');
      parts.push(`**lockscope: ${f.rule}** — ${f.message}`);
      if (f.witness?.length) parts.push('', `_Explain lock path_ shows the ${new Set(f.witness.map((w) => w.cpu)).size}-CPU interleaving.`);
    }
    if (!parts.length) return null;
    return { contents: { kind: 'markdown', value: parts.join('\n') } };
  }

  private codeActions(p: CodeActionParams): CodeAction[] {
    const file = this.fileOf(p.textDocument.uri);
    const doc = this.docs.get(file);
    const out: CodeAction[] = [];
    const seen = new Set<string>();
    const diags = p.context.diagnostics.filter((d) => d.source === 'lockscope' && d.data);
    const findings: Array<{ f: Finding; d?: Diagnostic }> = [];
    for (const d of diags) {
      const f = this.findingsById.get((d.data as DiagnosticData).findingId);
      if (f && !seen.has(f.id)) {
        seen.add(f.id);
        findings.push({ f, d });
      }
    }
    // also findings on the requested lines when the client sent no diagnostics
    for (const f of this.findingsIn(file)) {
      const l = f.location.line - 1;
      if (!seen.has(f.id) && l >= p.range.start.line && l <= p.range.end.line) {
        seen.add(f.id);
        findings.push({ f });
      }
    }
    for (const { f, d } of findings) out.push(...codeActionsFor(f, p.textDocument.uri, doc, d, this.files));
    return out;
  }

  private codeLenses(p: CodeLensParams): CodeLens[] {
    const file = this.fileOf(p.textDocument.uri);
    return this.findingsIn(file).map((f) => ({
      range: siteRange(f.location, this.files),
      command: { title: `Explain lock path (${f.rule})`, command: EXPLAIN_COMMAND, arguments: [{ findingId: f.id }] },
    }));
  }

  private async execute(command: string, args: unknown[], token?: LspToken): Promise<ExplainResult | LockGraphResult | CheckPatchResult | null> {
    if (!Array.isArray(args)) throw new ResponseError(ErrorCodes.InvalidParams, `lockscope: ${command}: arguments must be an array`);
    if (command === EXPLAIN_COMMAND) return this.explain(args[0] as ExplainArgs | string | undefined, token);
    if (command === CHECK_PATCH_COMMAND) return runCheckPatch(args[0], { root: this.root, markdown: this.markdown, token });
    if (command === LOCK_GRAPH_COMMAND) {
      await this.whenIdleOrNow(token);
      return toLockGraph(this.result ?? { edges: [], lockSites: [], findings: [] }, this.files);
    }
    throw new ResponseError(ErrorCodes.InvalidParams, `lockscope: unknown command ${JSON.stringify(command)}`);
  }

  /** Waits for the first analysis when there is none yet; a cancelled request stops waiting (RequestCancelled). */
  private async whenIdleOrNow(token?: LspToken): Promise<void> {
    if (!this.result) {
      if (!token) await this.whenIdle();
      else {
        let sub: { dispose(): void } | undefined;
        await Promise.race([this.whenIdle(), new Promise<void>((resolve) => (sub = token.onCancellationRequested(() => resolve())))]);
        sub?.dispose();
      }
    }
    if (token?.isCancellationRequested) throw cancelled();
  }

  async explain(arg: ExplainArgs | string | undefined, token?: LspToken): Promise<ExplainResult | null> {
    if (!validExplainArg(arg)) {
      throw new ResponseError(ErrorCodes.InvalidParams, 'lockscope: explain takes a finding id, {findingId} or {uri, line}');
    }
    await this.whenIdleOrNow(token);
    let f: Finding | undefined;
    if (typeof arg === 'string') f = this.findingsById.get(arg);
    else if (arg && 'findingId' in arg) f = this.findingsById.get(arg.findingId);
    else if (arg && 'uri' in arg) {
      const file = this.fileOf(arg.uri);
      const all = (this.result?.findings ?? []).filter((x) => this.visible(x));
      const here = all.filter((x) => x.location.file === file);
      f =
        here.find((x) => x.location.line - 1 === arg.line) ??
        all.find((x) => x.related.some((r) => r.file === file && r.line - 1 === arg.line)) ??
        here.sort((a, b) => Math.abs(a.location.line - 1 - arg.line) - Math.abs(b.location.line - 1 - arg.line))[0];
    }
    if (!f) return null;
    return toExplain(f, this.files, this.markdown);
  }

  // -------------------------------------------------------------------------

  private guard(what: string, fn: () => void | Promise<void>): void {
    try {
      const r = fn();
      if (r) r.catch((e) => this.log(`lockscope: ${what} failed: ${(e as Error).stack ?? e}`));
    } catch (e) {
      this.log(`lockscope: ${what} failed: ${(e as Error).stack ?? e}`);
    }
  }

  /** Runs a request: its failure is answered as an error (and logged), never thrown out of the connection. */
  private async safe<T>(what: string, token: LspToken | undefined, fn: () => T | Promise<T>): Promise<T> {
    if (token?.isCancellationRequested) throw cancelled();
    let r: T;
    try {
      r = await fn();
    } catch (e) {
      if (e instanceof ResponseError) throw e;
      if (e instanceof CancelledError || token?.isCancellationRequested) throw cancelled();
      this.log(`lockscope: ${what} failed: ${(e as Error)?.stack ?? e}`);
      throw new ResponseError(ErrorCodes.InternalError, `lockscope: ${what} failed: ${String((e as Error)?.message ?? e).split('\n')[0]}`);
    }
    if (token?.isCancellationRequested) throw cancelled();
    return r;
  }
}

function cancelled(): ResponseError<void> {
  return new ResponseError(LSPErrorCodes.RequestCancelled, 'request cancelled');
}

function validExplainArg(arg: unknown): arg is ExplainArgs | string {
  if (typeof arg === 'string') return true;
  if (!arg || typeof arg !== 'object') return false;
  const a = arg as Record<string, unknown>;
  if ('findingId' in a) return typeof a.findingId === 'string';
  return typeof a.uri === 'string' && typeof a.line === 'number' && Number.isInteger(a.line) && a.line >= 0;
}
