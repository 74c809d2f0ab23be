// The only place web-tree-sitter is initialised. One parser per process or
// worker thread; the grammar wasm is the one tree-sitter-c ships, copied into
// grammars/ so that the packaged extension works offline.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Language, Parser, type Tree } from 'web-tree-sitter';
import { blankAnnotations } from './annotations';

export { blankAnnotations } from './annotations';

export type { Node as SyntaxNode, Tree } from 'web-tree-sitter';

let ready: Promise<Parser> | undefined;
let readyParser: Parser | undefined;

/** grammars/tree-sitter-c.wasm, found relative to this file in source and compiled layouts. */
export function grammarPath(): string {
  const candidates = [
    path.resolve(__dirname, '../../../grammars/tree-sitter-c.wasm'), // server/out/src/syntax
    path.resolve(__dirname, '../../grammars/tree-sitter-c.wasm'),
    path.resolve(__dirname, '../../../../grammars/tree-sitter-c.wasm'),
  ];
  for (const c of candidates) if (fs.existsSync(c)) return c;
  throw new Error(`tree-sitter C grammar not found (looked for ${candidates[0]}); run npm run build`);
}

/** Resolve once per process; every later call returns the same parser. */
export function getParser(): Promise<Parser> {
  if (!ready) {
    ready = (async () => {
      await Parser.init();
      const lang = await Language.load(grammarPath());
      const parser = new Parser();
      parser.setLanguage(lang);
      readyParser = parser;
      return parser;
    })();
  }
  return ready;
}

/**
 * Longest one file's parse may take. Intact kernel files parse in
 * milliseconds, but tree-sitter's error recovery is super-linear on some
 * mangled C (an 18 KB fuzz case: 4.6 s; a million nested calls: a minute).
 */
export const PARSE_BUDGET_MS = 5_000;

/** A parse stopped at its time budget: the file is skipped with this reason, never an internal error. */
export class ParseBudgetError extends Error {
  constructor(budgetMs: number) {
    super(`time budget: parsing exceeded ${budgetMs} ms (tree-sitter's error recovery on this text)`);
  }
}

/** Parse C text, stopping at the budget (`ParseBudgetError`). */
export async function parseC(text: string, budgetMs = PARSE_BUDGET_MS): Promise<Tree> {
  const parser = await getParser();
  const deadline = performance.now() + budgetMs;
  // tree-sitter calls this every so often; true cancels the parse.
  const tree = parser.parse(blankAnnotations(text), null, { progressCallback: () => performance.now() > deadline });
  if (!tree) {
    parser.reset();
    throw new ParseBudgetError(budgetMs);
  }
  return tree;
}

/** Parse a small snippet synchronously; the parser must already be initialised (getParser resolved). */
export function parseCSync(text: string): Tree {
  if (!readyParser) throw new Error('parser not initialised');
  const tree = readyParser.parse(blankAnnotations(text));
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}
