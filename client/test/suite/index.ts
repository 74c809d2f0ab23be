// Entry point that @vscode/test-electron loads inside the extension host.
// A tiny in-process runner (mocha is not a dependency; node:test would run
// the files in child processes, where the `vscode` module does not exist).
import { tests } from './extension.suite';

export async function run(): Promise<void> {
  const failures: string[] = [];
  for (const t of tests) {
    const started = Date.now();
    try {
      await t.fn();
      console.log(`ok - ${t.name} (${Date.now() - started} ms)`);
    } catch (e) {
      failures.push(t.name);
      console.error(`not ok - ${t.name}\n${(e as Error).stack ?? e}`);
    }
  }
  console.log(`${tests.length - failures.length} passed, ${failures.length} failed`);
  if (failures.length) throw new Error(`${failures.length} extension-host test(s) failed: ${failures.join(', ')}`);
}
