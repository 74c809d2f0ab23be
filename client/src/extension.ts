// The VS Code side of lockscope: starts the bundled language server, shows
// its status, and renders "Explain Lock Path", "Show Lock Graph" and "Check
// Patch…" as webviews. Everything that matters for correctness lives in the server, so
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
  CheckPatchArgs,
  CheckPatchCommand,
  CheckPatchResult,
  ExplainArgs,
  ExplainCommand,
  ExplainResult,
  LockGraphCommand,
  LockGraphResult,
  StatusMethod,
  StatusParams,
} from '../../server/src/protocol/messages';
import { allowedLocations, explainHtml, graphHtml, nonce, patchHtml } from './webview/html';

const EXPLAIN: ExplainCommand = 'lockscope.server.explain';
const LOCK_GRAPH: LockGraphCommand = 'lockscope.server.lockGraph';
const CHECK_PATCH: CheckPatchCommand = 'lockscope.server.checkPatch';
const STATUS: StatusMethod = 'lockscope/status';

let client: LanguageClient | undefined;
let status: vscode.StatusBarItem | undefined;
let explainPanel: vscode.WebviewPanel | undefined;
let graphPanel: vscode.WebviewPanel | undefined;
let patchPanel: vscode.WebviewPanel | undefined;

/** What the e2e tests and users can query: the last status the server sent. */
let lastStatus: StatusParams | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<{ status(): StatusParams | undefined }> {
  const serverModule = context.asAbsolutePath(path.join('server', 'out', 'src', 'lsp', 'main.js'));
  // The V8 flags the CLI runs with too (a larger young generation: edits are analysed faster).
  const { nodeFlags } = require(context.asAbsolutePath(path.join('server', 'bin', 'node-flags.js'))) as { nodeFlags(kind: 'cli' | 'server', argv?: string[]): string[] };
  const flags = nodeFlags('server', []);
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: flags } },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: [...flags, '--nolazy', '--inspect=6009'] } },
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
    vscode.commands.registerCommand('lockscope.checkPatch', () => checkPatch(context)),
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

// ---------------------------------------------------------------------------
// Check Patch…

const WORKING_TREE_ITEM = 'Working tree changes (git diff HEAD)';
const PATCH_FILE_ITEM = 'Choose a .patch file…';

async function checkPatch(context: vscode.ExtensionContext): Promise<void> {
  const c = client;
  if (!c) return;
  const folders = vscode.workspace.workspaceFolders ?? [];
  const folder =
    folders.length > 1
      ? await vscode.window.showWorkspaceFolderPick({ placeHolder: 'lockscope: the tree the patch applies to' })
      : folders[0];
  if (!folder) {
    if (!folders.length) void vscode.window.showInformationMessage('lockscope: open the tree the patch applies to as a folder first.');
    return;
  }
  const pick = await vscode.window.showQuickPick(
    [
      { label: WORKING_TREE_ITEM, description: 'what the working tree changes against the last commit' },
      { label: PATCH_FILE_ITEM, description: 'a git format-patch series, a git diff or a plain diff' },
    ],
    { placeHolder: 'lockscope: which changes to check', title: 'Lockscope: Check Patch' },
  );
  if (!pick) return;
  const root = folder.uri.fsPath;
  let args: CheckPatchArgs;
  if (pick.label === WORKING_TREE_ITEM) args = { workingTree: true, root, source: 'working tree' };
  else {
    const chosen = await vscode.window.showOpenDialog({
      canSelectMany: false,
      canSelectFolders: false,
      defaultUri: folder.uri,
      openLabel: 'Check Patch',
      filters: { Patches: ['patch', 'diff', 'mbox', 'eml'], 'All files': ['*'] },
    });
    if (!chosen?.length) return;
    let patchText: string;
    try {
      patchText = new TextDecoder('utf-8').decode(await vscode.workspace.fs.readFile(chosen[0]));
    } catch (e) {
      void vscode.window.showErrorMessage(`lockscope: cannot read ${chosen[0].fsPath}: ${(e as Error).message}`);
      return;
    }
    args = { patchText, root, source: path.basename(chosen[0].fsPath) };
  }
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `lockscope: checking ${args.source}…` },
    () => c.sendRequest(ExecuteCommandRequest.type, { command: CHECK_PATCH, arguments: [args] }) as Promise<CheckPatchResult | null>,
  );
  showPatch(context, result ?? { source: args.source ?? 'patch', introduced: [], fixed: [], unchanged: 0, error: 'the server did not answer' });
}

let patchListener: vscode.Disposable | undefined;
function showPatch(context: vscode.ExtensionContext, r: CheckPatchResult): void {
  if (!patchPanel) {
    patchPanel = vscode.window.createWebviewPanel('lockscope.patch', 'Patch check', vscode.ViewColumn.Beside, WEBVIEW_OPTIONS);
    patchPanel.onDidDispose(() => {
      patchPanel = undefined;
      patchListener?.dispose();
    }, undefined, context.subscriptions);
  }
  patchPanel.title = r.error ? 'Patch check: error' : `Patch check: ${r.introduced.length} introduced, ${r.fixed.length} fixed`;
  patchListener?.dispose();
  const open = openFromWebview(allowedLocations(r));
  patchListener = patchPanel.webview.onDidReceiveMessage(async (msg: unknown) => {
    const m = msg as { type?: string; list?: string; index?: number };
    if (m?.type === 'explain') {
      // The finding lives in the version the patch check analysed (the patched
      // tree for introduced ones): show the explanation it computed, not the workspace's.
      const list = m.list === 'introduced' ? r.introduced : m.list === 'fixed' ? r.fixed : [];
      const f = Number.isInteger(m.index) ? list[m.index!] : undefined;
      if (f) showExplain(context, f.explanation);
      return;
    }
    await open(msg);
  });
  patchPanel.webview.html = patchHtml(r, { nonce: nonce(), cspSource: patchPanel.webview.cspSource });
  patchPanel.reveal(vscode.ViewColumn.Beside, true);
}
