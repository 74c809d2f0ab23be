// Runs client/test/suite inside a downloaded VS Code with @vscode/test-electron.
// It needs to download VS Code, which these machines cannot (no network but
// the npm registry and Debian), so it runs only with LOCKSCOPE_VSCODE_TEST=1;
// the same checks run against code-server in client/test/e2e/vscode.e2e.ts.
import * as path from 'node:path';

async function main(): Promise<number> {
  if (!process.env.LOCKSCOPE_VSCODE_TEST) {
    console.log('# skipped: set LOCKSCOPE_VSCODE_TEST=1 where VS Code can be downloaded (see client/test/e2e for the code-server run)');
    return 0;
  }
  const { runTests } = await import('@vscode/test-electron');
  const root = path.resolve(__dirname, '../../..');
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(__dirname, 'suite', 'index.js'),
    launchArgs: [path.join(root, 'examples/xen-evtchn'), '--disable-extensions', '--disable-workspace-trust'],
  });
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e) => {
    console.error(`runTest: ${(e as Error).message}`);
    process.exitCode = 1;
  },
);
