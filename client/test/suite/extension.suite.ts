// Extension-host tests (run by client/test/runTest.ts through @vscode/test-electron,
// with examples/xen-evtchn as the workspace). Outside VS Code the `vscode`
// module is absent and this file only exports the list.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import type * as vscodeT from 'vscode';

function vscodeApi(): typeof vscodeT | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('vscode') as typeof vscodeT;
  } catch {
    return undefined;
  }
}

async function until<T>(f: () => T | undefined, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const tests: Array<{ name: string; fn: () => Promise<void> }> = [
  {
    name: 'activates on a C file and publishes the evtchn deadlock at line 79',
    fn: async () => {
      const vscode = vscodeApi()!;
      const root = vscode.workspace.workspaceFolders![0].uri.fsPath;
      const doc = await vscode.workspace.openTextDocument(path.join(root, 'evtchn.c'));
      await vscode.window.showTextDocument(doc);
      const ext = vscode.extensions.getExtension('lockscope.lockscope');
      assert.ok(ext, 'extension present');
      await ext.activate();
      const d = await until(
        () => vscode.languages.getDiagnostics(doc.uri).find((x) => x.source === 'lockscope'),
        60_000,
        'lockscope diagnostic',
      );
      assert.equal(d.range.start.line, 78);
      assert.equal(d.code, 'wait-under-lock');
      assert.ok((d.relatedInformation ?? []).length >= 3);
    },
  },
  {
    name: 'commands are registered and Explain Lock Path runs on the finding line',
    fn: async () => {
      const vscode = vscodeApi()!;
      const all = await vscode.commands.getCommands(true);
      for (const c of ['lockscope.explainLockPath', 'lockscope.showLockGraph', 'lockscope.server.explain']) assert.ok(all.includes(c), c);
      const editor = vscode.window.activeTextEditor!;
      editor.selection = new vscode.Selection(78, 2, 78, 2);
      await vscode.commands.executeCommand('lockscope.explainLockPath');
      const r = (await vscode.commands.executeCommand('lockscope.server.explain', { uri: editor.document.uri.toString(), line: 78 })) as {
        witness: Array<{ cpu: number }>;
      };
      assert.ok(new Set(r.witness.map((w) => w.cpu)).size >= 2);
    },
  },
];
