// Shared loaders for the patch reader's tests: fixture patches and the
// small frob driver trees they apply to.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** server/test/fixtures/patch, from the compiled test in server/out/test. */
export const PATCH_FIXTURES = path.join(__dirname, '..', '..', 'test', 'fixtures', 'patch');

export function fixtureText(name: string): string {
  return fs.readFileSync(path.join(PATCH_FIXTURES, name), 'utf8');
}

/** Every file under fixtures/patch/<dir>, keyed by its path relative to that directory. */
export function fixtureTree(dir: string): Map<string, string> {
  const root = path.join(PATCH_FIXTURES, dir);
  const tree = new Map<string, string>();
  const walk = (at: string) => {
    for (const entry of fs.readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else tree.set(path.relative(root, full).split(path.sep).join('/'), fs.readFileSync(full, 'utf8'));
    }
  };
  walk(root);
  return tree;
}

/** `base` with `changes` laid over it (null removes a path). */
export function overlay(base: ReadonlyMap<string, string>, changes: ReadonlyMap<string, string | null>): Map<string, string> {
  const result = new Map(base);
  for (const [file, content] of changes) {
    if (content === null) result.delete(file);
    else result.set(file, content);
  }
  return result;
}

export function toCrlf(text: string): string {
  return text.replace(/\n/g, '\r\n');
}

/** `text` with `from` replaced once; fails the test when the fixture no longer contains it. */
export function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0) throw new Error(`fixture no longer contains ${JSON.stringify(from)}`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}
