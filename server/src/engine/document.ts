// An open document as the engine sees it: its text and its tree-sitter tree,
// kept in step by incremental edits. The language server hands in LSP-shaped
// edits (0-based line / UTF-16 character ranges) but this module knows nothing
// of LSP: the range type below is its own, structurally the same.
//
// web-tree-sitter, given a JS string, counts indices and columns in UTF-16
// code units, so LSP positions map onto tree-sitter points one to one (rows
// are '\n'-separated; a CRLF line keeps its '\r' as a last column).
import { blankAnnotations } from '../syntax/annotations';
import { getParser, type Tree } from '../syntax/parser';

export interface TextPosition {
  /** 0-based line. */
  line: number;
  /** 0-based UTF-16 code unit within the line. */
  character: number;
}

export interface TextChange {
  /** Absent: the whole document is replaced. */
  range?: { start: TextPosition; end: TextPosition };
  text: string;
}

type TreeEdit = Parameters<Tree['edit']>[0];
type Parser = Awaited<ReturnType<typeof getParser>>;

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

export class SourceDocument {
  private _text: string;
  private _tree: Tree;
  private _version: number;
  private starts: number[];
  /** Number of parses that reused an edited tree (for tests and stats). */
  incrementalParses = 0;

  private constructor(readonly file: string, text: string, tree: Tree, version: number) {
    this._text = text;
    this._tree = tree;
    this._version = version;
    this.starts = lineStartsOf(text);
  }

  private static parser: Parser | undefined;

  /** Parsing is synchronous once the grammar is loaded, so edits apply in order without a queue. */
  private static parse(text: string, previous?: Tree): Tree {
    // Kernel annotations are blanked (same length) so that __init functions parse as functions.
    const tree = SourceDocument.parser!.parse(blankAnnotations(text), previous ?? null);
    if (!tree) throw new Error('tree-sitter returned no tree');
    return tree;
  }

  /** Load the grammar; afterwards openSync and applyChanges never wait. */
  static async ready(): Promise<void> {
    SourceDocument.parser ??= await getParser();
  }

  static async open(file: string, text: string, version = 0): Promise<SourceDocument> {
    await SourceDocument.ready();
    return SourceDocument.openSync(file, text, version);
  }

  /** Open without waiting; requires ready() to have resolved once. */
  static openSync(file: string, text: string, version = 0): SourceDocument {
    if (!SourceDocument.parser) throw new Error('SourceDocument.ready() was not awaited');
    return new SourceDocument(file, text, SourceDocument.parse(text), version);
  }

  get text(): string {
    return this._text;
  }

  get version(): number {
    return this._version;
  }

  /** The current tree. Engine-internal: never hand it to the LSP layer. */
  get tree(): Tree {
    return this._tree;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** Text of a 0-based line without its line break. */
  lineText(line: number): string {
    if (line < 0 || line >= this.starts.length) return '';
    const start = this.starts[line];
    let end = line + 1 < this.starts.length ? this.starts[line + 1] - 1 : this._text.length;
    if (end > start && this._text.charCodeAt(end - 1) === 13) end--;
    return this._text.slice(start, end);
  }

  /** UTF-16 offset of a position, clamped into the document and the line. */
  offsetAt(pos: TextPosition): number {
    if (pos.line < 0) return 0;
    if (pos.line >= this.starts.length) return this._text.length;
    const start = this.starts[pos.line];
    const lineEnd = pos.line + 1 < this.starts.length ? this.starts[pos.line + 1] - 1 : this._text.length;
    return Math.min(start + Math.max(0, pos.character), lineEnd);
  }

  positionAt(offset: number): TextPosition {
    offset = Math.max(0, Math.min(offset, this._text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - this.starts[lo] };
  }

  /**
   * Apply changes in order (each in the coordinates left by the previous one),
   * editing the tree as the text changes, then reparse once with the edited
   * tree so tree-sitter reuses every untouched subtree.
   */
  applyChanges(changes: readonly TextChange[], version?: number): void {
    let full = false;
    for (const change of changes) {
      if (!change.range) {
        this._text = change.text;
        this.starts = lineStartsOf(this._text);
        full = true;
        continue;
      }
      const startIndex = this.offsetAt(change.range.start);
      const oldEndIndex = Math.max(startIndex, this.offsetAt(change.range.end));
      const startPosition = this.positionAt(startIndex);
      const oldEndPosition = this.positionAt(oldEndIndex);
      this._text = this._text.slice(0, startIndex) + change.text + this._text.slice(oldEndIndex);
      this.starts = lineStartsOf(this._text);
      const newEndIndex = startIndex + change.text.length;
      const nl = change.text.lastIndexOf('\n');
      const newEndPosition =
        nl === -1
          ? { line: startPosition.line, character: startPosition.character + change.text.length }
          : { line: startPosition.line + countNewlines(change.text), character: change.text.length - nl - 1 };
      if (!full) {
        const edit = {
          startIndex,
          oldEndIndex,
          newEndIndex,
          startPosition: { row: startPosition.line, column: startPosition.character },
          oldEndPosition: { row: oldEndPosition.line, column: oldEndPosition.character },
          newEndPosition: { row: newEndPosition.line, column: newEndPosition.character },
        };
        // Tree.edit reads only these six fields; the Edit class adds helper methods.
        this._tree.edit(edit as unknown as TreeEdit);
      }
    }
    const old = this._tree;
    this._tree = full ? SourceDocument.parse(this._text) : SourceDocument.parse(this._text, old);
    if (!full) this.incrementalParses++;
    old.delete();
    if (version !== undefined) this._version = version;
  }

  /** Free the tree's wasm memory; the document is unusable afterwards. */
  dispose(): void {
    this._tree.delete();
  }
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
