// A syntax node as extraction reads it: web-tree-sitter's Node with what was
// once fetched across the JS/wasm boundary kept. Every read of a web-tree-sitter
// node (its type, a field, its children, its end) is a call into wasm that
// marshals the node, and each node it returns is a new object, so a node asked
// its type by three functions paid three times. Here a wrapper makes each read
// once, and the nodes of the node index (extract.ts NodeIndex) are one wrapper
// each however they are reached. (One wrapper per node for every node cost more,
// in a map and its garbage, than the reads it saved.) Only for a tree that is not
// edited while in use: a NodeCache belongs to one extraction of one tree.
import type { Node, Point } from 'web-tree-sitter';

/** Field ids by name, for the one grammar (the Node API looks the name up in an array at each call). */
let fieldLanguage: object | undefined;
let fieldIds = new Map<string, number>();

function fieldId(raw: Node, name: string): number {
  const language = raw.tree.language;
  if (language !== fieldLanguage) {
    fieldLanguage = language;
    fieldIds = new Map();
  }
  let id = fieldIds.get(name);
  if (id === undefined) {
    id = language.fields.indexOf(name);
    fieldIds.set(name, id);
  }
  return id;
}

/**
 * The nodes of one tree. A node read again (a child, a field) is a new object
 * unless it was shared: the nodes an index holds (extract.ts NodeIndex) are one
 * object each however they are reached, so what is read of them is read once.
 */
export class NodeCache {
  private readonly shared = new Map<number, CNode>();

  wrap(raw: Node): CNode;
  wrap(raw: Node | null): CNode | null;
  wrap(raw: Node | null): CNode | null {
    if (!raw) return null;
    return (this.shared.size > 0 ? this.shared.get(raw.id) : undefined) ?? new CNode(raw, this);
  }

  /** From now on, the object reached for this node. */
  share(node: CNode): void {
    if (!this.shared.has(node.id)) this.shared.set(node.id, node);
  }
}

/** The subset of web-tree-sitter's Node that extraction uses, with the same meaning, each read made once. */
export class CNode {
  // Plain properties set in the constructor (not class fields): one wrapper is made for every node read.
  declare readonly raw: Node;
  declare readonly cache: NodeCache;
  declare private typeValue: string | undefined;
  declare private textValue: string | undefined;
  declare private endIndexValue: number;
  declare private endPositionValue: Point | undefined;
  declare private parentValue: CNode | null | undefined;
  declare private namedValue: Array<CNode | null> | undefined;
  /** Children by field, read so far: field id, child, field id, child ... (a node is asked a few fields). */
  declare private fieldValues: Array<number | CNode | null> | undefined;

  constructor(raw: Node, cache: NodeCache) {
    this.raw = raw;
    this.cache = cache;
    this.typeValue = undefined;
    this.textValue = undefined;
    this.endIndexValue = -1;
    this.endPositionValue = undefined;
    this.parentValue = undefined;
    this.namedValue = undefined;
    this.fieldValues = undefined;
  }

  get id(): number {
    return this.raw.id;
  }

  get startIndex(): number {
    return this.raw.startIndex;
  }

  get startPosition(): Point {
    return this.raw.startPosition;
  }

  get type(): string {
    return (this.typeValue ??= this.raw.type);
  }

  get text(): string {
    if (this.textValue === undefined) {
      this.textValue = this.raw.text;
      // The text is the parsed string's slice from start to end (web-tree-sitter getText; every parse here is of a
      // string, parser.ts and document.ts): its end is known too.
      if (this.endIndexValue < 0) this.endIndexValue = this.raw.startIndex + this.textValue.length;
    }
    return this.textValue;
  }

  get endIndex(): number {
    if (this.endIndexValue < 0) this.endIndexValue = this.raw.endIndex;
    return this.endIndexValue;
  }

  get endPosition(): Point {
    return (this.endPositionValue ??= this.raw.endPosition);
  }

  get hasError(): boolean {
    return this.raw.hasError;
  }

  get parent(): CNode | null {
    if (this.parentValue === undefined) this.parentValue = this.cache.wrap(this.raw.parent);
    return this.parentValue;
  }

  get namedChildren(): Array<CNode | null> {
    if (this.namedValue === undefined) {
      const raw = this.raw.namedChildren;
      const out = new Array<CNode | null>(raw.length);
      for (let i = 0; i < raw.length; i++) out[i] = this.cache.wrap(raw[i]);
      this.namedValue = out;
    }
    return this.namedValue;
  }

  get namedChildCount(): number {
    return this.namedChildren.length;
  }

  namedChild(index: number): CNode | null {
    return this.namedChildren[index] ?? null;
  }

  get previousSibling(): CNode | null {
    return this.cache.wrap(this.raw.previousSibling);
  }

  get nextNamedSibling(): CNode | null {
    return this.cache.wrap(this.raw.nextNamedSibling);
  }

  childForFieldName(name: string): CNode | null {
    const id = fieldId(this.raw, name);
    if (id === -1) return null;
    const known = this.fieldValues;
    if (known) for (let i = 0; i < known.length; i += 2) if (known[i] === id) return known[i + 1] as CNode | null;
    const c = this.cache.wrap(this.raw.childForFieldId(id));
    (this.fieldValues ??= []).push(id, c);
    return c;
  }

  childrenForFieldName(name: string): Array<CNode | null> {
    const id = fieldId(this.raw, name);
    if (id === -1 || id === 0) return [];
    return this.raw.childrenForFieldId(id).map((c) => this.cache.wrap(c));
  }

  descendantsOfType(types: string | string[]): Array<CNode | null> {
    return this.raw.descendantsOfType(types).map((c) => this.cache.wrap(c));
  }
}
