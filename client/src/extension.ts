// The VS Code side of lockscope: starts the bundled language server, shows
// its status, and renders "Explain Lock Path" and "Show Lock Graph" as
// webviews. Everything that matters for correctness lives in the server, so
// other editors get the same findings; this adds pictures and clicks.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  LanguageClient,
  RevealOutputChannelOn,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import type {
  ExplainArgs,
  ExplainCommand,
  ExplainResult,
  LockGraphCommand,
  LockGraphResult,
  StatusMethod,
  StatusParams,
} from '../../server/src/protocol/messages';
import { allowedLocations, explainHtml, graphHtml, nonce } from './webview/html';

const EXPLAIN: ExplainCommand = 'lockscope.server.explain';
const LOCK_GRAPH: LockGraphCommand = 'lockscope.server.lockGraph';
const STATUS: StatusMethod = 'lockscope/status';

let client: LanguageClient | undefined;
let status: vscode.StatusBarItem | undefined;
let explainPanel: vscode.WebviewPanel | undefined;
let graphPanel: vscode.WebviewPanel | undefined;

/** What the e2e tests and users can query: the last status the server sent. */
let lastStatus: StatusParams | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<{ status(): StatusParams | undefined }> {
  const serverModule = context.asAbsolutePath(path.join('server', 'out', 'src', 'lsp', 'main.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6009'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'c' },
      { scheme: 'file', pattern: '**/*.h' },
    ],
    synchronize: {
      fileEvents: [
        vscode.workspace.createFileSystemWatcher('**/*.{c,h}'),
        vscode.workspace.createFileSystemWatcher('**/.lockscope.json'),
      ],
    },
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    middleware: {
      // Code actions and code lenses name the server's explain command; show its result.
      executeCommand: async (command, args, next) => {
        const result = await next(command, args);
        if (command === EXPLAIN && result) showExplain(context, result as ExplainResult);
        else if (command === EXPLAIN && !result) void vscode.window.showInformationMessage('lockscope: no finding there.');
        else if (command === LOCK_GRAPH && result) showGraph(context, result as LockGraphResult);
        return result;
      },
    },
  };
  client = new LanguageClient('lockscope', 'lockscope', serverOptions, clientOptions);

  status = vscode.window.createStatusBarItem('lockscope.status', vscode.StatusBarAlignment.Left, 10);
  status.name = 'lockscope';
  status.command = 'lockscope.showLockGraph';
  status.text = '$(sync~spin) lockscope';
  status.tooltip = 'lockscope: starting';
  status.show();
  context.subscriptions.push(status);

  context.subscriptions.push(
    vscode.commands.registerCommand('lockscope.explainLockPath', async (arg?: ExplainArgs) => {
      const c = client;
      if (!c) return;
      let explainArg: ExplainArgs | undefined = arg && typeof arg === 'object' && ('findingId' in arg || 'uri' in arg) ? arg : undefined;
      if (!explainArg) {
        const editor = vscode.window.activeTextEditor;
        if (!editor) {
          void vscode.window.showInformationMessage('lockscope: open a C file and put the cursor on a finding.');
          return;
        }
        explainArg = { uri: editor.document.uri.toString(), line: editor.selection.active.line };
      }
      const result = (await c.sendRequest(ExecuteCommandRequest.type, { command: EXPLAIN, arguments: [explainArg] })) as ExplainResult | null;
      if (result) showExplain(context, result);
      else void vscode.window.showInformationMessage('lockscope: no finding in this file.');
    }),
    vscode.commands.registerCommand('lockscope.showLockGraph', async () => {
      const c = client;
      if (!c) return;
      const result = (await c.sendRequest(ExecuteCommandRequest.type, { command: LOCK_GRAPH, arguments: [] })) as LockGraphResult | null;
      if (result) showGraph(context, result);
    }),
  );

  await client.start();
  client.onNotification(STATUS, (p: StatusParams) => {
    lastStatus = p;
    renderStatus(p);
  });
  return { status: () => lastStatus };
}

export async function deactivate(): Promise<void> {
  const c = client;
  client = undefined;
  if (c) await c.stop();
}

function renderStatus(p: StatusParams): void {
  if (!status) return;
  const findings = `${p.findings} finding${p.findings === 1 ? '' : 's'}`;
  switch (p.state) {
    case 'indexing':
      status.text = `$(sync~spin) lockscope: indexing ${p.indexed}/${p.total}`;
      break;
    case 'analyzing':
    case 'starting':
      status.text = `$(sync~spin) lockscope: ${findings}`;
      break;
    case 'error':
      status.text = '$(error) lockscope';
      break;
    default:
      status.text = `${p.findings ? '$(warning)' : '$(check)'} lockscope: ${findings}`;
  }
  status.tooltip =
    `lockscope: ${p.state}; ${p.files} files analysed` +
    (p.durationMs !== undefined ? ` in ${p.durationMs} ms` : '') +
    (p.capped ? `; ${p.capped} files left out (lockscope.scope.maxFiles)` : '') +
    (p.message ? `\n${p.message}` : '') +
    '\nClick: show the lock graph';
}

function openFromWebview(allowed: Set<string>) {
  return async (msg: unknown): Promise<void> => {
    const m = msg as { type?: string; uri?: string; line?: number; character?: number };
    if (m?.type !== 'open' || typeof m.uri !== 'string' || !allowed.has(m.uri)) return;
    const line = Number.isInteger(m.line) ? Math.max(0, m.line!) : 0;
    const character = Number.isInteger(m.character) ? Math.max(0, m.character!) : 0;
    const pos = new vscode.Position(line, character);
    await vscode.window.showTextDocument(vscode.Uri.parse(m.uri), {
      viewColumn: vscode.ViewColumn.One,
      selection: new vscode.Range(pos, pos),
      preserveFocus: false,
    });
  };
}

const WEBVIEW_OPTIONS: vscode.WebviewPanelOptions & vscode.WebviewOptions = {
  enableScripts: true,
  enableCommandUris: false,
  localResourceRoots: [],
  retainContextWhenHidden: false,
};

let explainListener: vscode.Disposable | undefined;
function showExplain(context: vscode.ExtensionContext, r: ExplainResult): void {
  if (!explainPanel) {
    explainPanel = vscode.window.createWebviewPanel('lockscope.explain', 'Lock path', vscode.ViewColumn.Beside, WEBVIEW_OPTIONS);
    explainPanel.onDidDispose(() => {
      explainPanel = undefined;
      explainListener?.dispose();
    }, undefined, context.subscriptions);
  }
  explainPanel.title = `Lock path: ${r.rule}`;
  explainListener?.dispose();
  explainListener = explainPanel.webview.onDidReceiveMessage(openFromWebview(allowedLocations(r)));
  explainPanel.webview.html = explainHtml(r, { nonce: nonce(), cspSource: explainPanel.webview.cspSource });
  explainPanel.reveal(vscode.ViewColumn.Beside, true);
}

let graphListener: vscode.Disposable | undefined;
function showGraph(context: vscode.ExtensionContext, g: LockGraphResult): void {
  if (!graphPanel) {
    graphPanel = vscode.window.createWebviewPanel('lockscope.graph', 'Lock graph', vscode.ViewColumn.Beside, WEBVIEW_OPTIONS);
    graphPanel.onDidDispose(() => {
      graphPanel = undefined;
      graphListener?.dispose();
    }, undefined, context.subscriptions);
  }
  graphListener?.dispose();
  graphListener = graphPanel.webview.onDidReceiveMessage(openFromWebview(allowedLocations(g)));
  graphPanel.webview.html = graphHtml(g, { nonce: nonce(), cspSource: graphPanel.webview.cspSource });
  graphPanel.reveal(vscode.ViewColumn.Beside, true);
}
