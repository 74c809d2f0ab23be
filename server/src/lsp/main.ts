// Entry point: `lockscope lsp --stdio` and the VS Code extension both start
// the server through startServer(). The transport comes from the arguments
// (--stdio, --node-ipc, --socket=N), as vscode-languageserver reads them.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { LockscopeServer } from './server';

export function startServer(argv: string[] = process.argv): LockscopeServer {
  if (!argv.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket') || a.startsWith('--pipe'))) {
    argv = [...argv, '--stdio'];
    process.argv.push('--stdio');
  }
  const connection = createConnection(ProposedFeatures.all);
  const server = new LockscopeServer(connection);
  connection.listen();
  return server;
}

/** For the CLI: `lockscope lsp [--stdio]`; resolves when the client disconnects. */
export function runLsp(_args: string[]): Promise<number> {
  startServer();
  return new Promise<number>(() => undefined);
}

if (require.main === module) startServer();
