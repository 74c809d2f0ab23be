// A small LSP client over stdio (vscode-jsonrpc), for the protocol tests and
// the latency script: spawns `node server/out/src/lsp/main.js --stdio` (with
// the flags of server/bin/node-flags.js, as the editors start it),
// answers the server's requests (configuration, progress), records every
// notification, and lets callers wait for the diagnostics they expect.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import type { StatusParams } from '../protocol/messages';

export interface Diagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity?: number;
  code?: string | number;
  source?: string;
  message: string;
  relatedInformation?: Array<{ location: { uri: string; range: Diagnostic['range'] }; message: string }>;
  data?: unknown;
}

export interface PublishDiagnostics {
  uri: string;
  version?: number;
  diagnostics: Diagnostic[];
}

export interface ClientOptions {
  root: string;
  relatedInformation?: boolean;
  workDoneProgress?: boolean;
  /** Answer workspace/configuration with these settings (section "lockscope"). */
  settings?: unknown;
  /** Server entry (defaults to the compiled lsp/main.js next to this file). */
  serverModule?: string;
  stderr?: (s: string) => void;
}

export function uriOf(file: string): string {
  return pathToFileURL(file).href;
}

export class StdioLspClient {
  readonly conn: MessageConnection;
  readonly proc: ChildProcess;
  /** Latest diagnostics per uri. */
  readonly diagnostics = new Map<string, PublishDiagnostics>();
  readonly statuses: StatusParams[] = [];
  readonly progress: unknown[] = [];
  readonly logs: string[] = [];
  private waiters: Array<{ check: () => boolean; resolve: () => void }> = [];
  private versions = new Map<string, number>();

  constructor(readonly opts: ClientOptions) {
    const server = opts.serverModule ?? path.join(__dirname, 'main.js');
    // With the V8 flags editors start the server with (server/bin/node-flags.js).
    const { nodeFlags } = require(path.join(__dirname, '../../../bin/node-flags.js')) as { nodeFlags(kind: 'cli' | 'server', argv?: string[]): string[] };
    this.proc = spawn(process.execPath, [...nodeFlags('server', []), server, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (d: Buffer) => opts.stderr?.(d.toString()));
    this.conn = createMessageConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnostics) => {
      this.diagnostics.set(p.uri, p);
      this.poke();
    });
    this.conn.onNotification('lockscope/status', (p: StatusParams) => {
      this.statuses.push(p);
      this.poke();
    });
    this.conn.onNotification('window/logMessage', (p: { message: string }) => void this.logs.push(p.message));
    this.conn.onNotification('$/progress', (p: unknown) => {
      this.progress.push(p);
      this.poke();
    });
    this.conn.onRequest('window/workDoneProgress/create', () => null);
    this.conn.onRequest('client/registerCapability', () => null);
    this.conn.onRequest('workspace/codeLens/refresh', () => null);
    this.conn.onRequest('workspace/configuration', (p: { items: Array<{ section?: string }> }) =>
      p.items.map((i) => (i.section === 'lockscope' ? (opts.settings ?? {}) : null)),
    );
    this.conn.listen();
  }

  /** The server process's id (for RSS sampling in the soak). */
  get pid(): number | undefined {
    return this.proc.pid;
  }

  async initialize(): Promise<{ capabilities: Record<string, unknown> }> {
    const rootUri = uriOf(this.opts.root);
    const res = await this.conn.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: path.basename(this.opts.root) }],
      capabilities: {
        workspace: { configuration: this.opts.settings !== undefined, workspaceFolders: true },
        window: { workDoneProgress: this.opts.workDoneProgress ?? false },
        textDocument: {
          publishDiagnostics: { relatedInformation: this.opts.relatedInformation ?? true, versionSupport: true },
          synchronization: { didSave: false },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          codeAction: {},
          codeLens: {},
        },
      },
      initializationOptions: this.opts.settings === undefined ? undefined : { settings: this.opts.settings },
    });
    await this.conn.sendNotification('initialized', {});
    return res;
  }

  open(file: string, text: string, languageId = 'c'): string {
    const uri = uriOf(file);
    this.versions.set(uri, 1);
    void this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
    return uri;
  }

  /** Incremental change(s); returns the new version. */
  change(uri: string, changes: Array<{ range?: Diagnostic['range']; text: string }>): number {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    void this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  close(uri: string): void {
    void this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  request<T>(method: string, params: unknown): Promise<T> {
    return this.conn.sendRequest<T>(method, params);
  }

  executeCommand<T>(command: string, args: unknown[]): Promise<T> {
    return this.conn.sendRequest<T>('workspace/executeCommand', { command, arguments: args });
  }

  private poke(): void {
    this.waiters = this.waiters.filter((w) => {
      if (w.check()) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  /** Resolve when check() holds (checked now and after every notification), or reject after ms. */
  waitFor(check: () => boolean, ms = 20_000, what = 'condition'): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w = { check, resolve: () => (clearTimeout(t), resolve()) };
      const t = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      this.waiters.push(w);
    });
  }

  /** Wait until the diagnostics of `uri` (for `version` when given) satisfy pred. */
  async waitDiagnostics(uri: string, pred: (d: Diagnostic[]) => boolean, version?: number, ms?: number): Promise<Diagnostic[]> {
    await this.waitFor(
      () => {
        const p = this.diagnostics.get(uri);
        return !!p && (version === undefined || p.version === undefined || p.version >= version) && pred(p.diagnostics);
      },
      ms,
      `diagnostics of ${uri}`,
    );
    return this.diagnostics.get(uri)!.diagnostics;
  }

  /**
   * Wait until indexing is over and an analysis of every indexed file has
   * completed: an idle status with findings whose analysed files are at least
   * the index's total. (An analysis of the open file can finish while the
   * index is still reading; its idle status is not this one.)
   */
  waitIndexed(ms?: number): Promise<void> {
    return this.waitFor(() => {
      let i = this.statuses.length - 1;
      while (i >= 0 && this.statuses[i].state !== 'indexing') i--;
      if (i < 0) return false; // the index has not started
      const total = this.statuses[i].total;
      return this.statuses.slice(i + 1).some((s) => s.state === 'idle' && s.findings !== undefined && s.files >= total);
    }, ms, 'an analysis of the whole index');
  }

  /** Wait for an idle status after the given count of status notifications. */
  waitIdle(after = 0, ms?: number): Promise<void> {
    return this.waitFor(() => this.statuses.slice(after).some((s) => s.state === 'idle' && s.findings !== undefined), ms, 'idle status');
  }

  async shutdown(): Promise<void> {
    try {
      await Promise.race([this.conn.sendRequest('shutdown'), new Promise((r) => setTimeout(r, 2000))]);
      await this.conn.sendNotification('exit');
    } catch {
      /* already gone */
    }
    this.conn.dispose();
    setTimeout(() => this.proc.kill(), 500).unref();
  }
}
