// Small readers over tree-sitter C nodes: declared type names, declarator
// names, sites. Kernel annotations (__iomem, __rcu, __user ...) often land in
// ERROR nodes or type_identifiers; these readers look past them.
import type { CNode as SyntaxNode } from '../syntax/cnode';
import type { Site } from './ir';

export function siteOf(node: SyntaxNode, file: string): Site {
  const s = node.startPosition;
  const e = node.endPosition;
  return { file, line: s.row + 1, column: s.column + 1, endLine: e.row + 1, endColumn: e.column + 1 };
}

/** `struct foo` -> foo, `foo_t` -> foo_t, `unsigned long` -> unsigned long. */
export function typeName(typeNode: SyntaxNode | null): string | undefined {
  if (!typeNode) return undefined;
  switch (typeNode.type) {
    case 'struct_specifier':
    case 'union_specifier':
    case 'enum_specifier': {
      const name = typeNode.childForFieldName('name');
      return name ? name.text : undefined;
    }
    case 'type_identifier':
    case 'primitive_type':
    case 'sized_type_specifier':
      return typeNode.text;
    case 'macro_type_specifier':
      return undefined;
    default:
      return undefined;
  }
}

export interface DeclaredName {
  name: string;
  pointer: boolean;
  isFnPtr: boolean;
  /** The init_declarator's value, when there is one. */
  value?: SyntaxNode;
  node: SyntaxNode;
}

/** Unwrap a declarator to its name, noting pointers and function pointers. */
export function declaredName(decl: SyntaxNode | null): DeclaredName | undefined {
  let pointer = false;
  let isFnPtr = false;
  let value: SyntaxNode | undefined;
  let node = decl;
  for (let depth = 0; node && depth < 32; depth++) {
    switch (node.type) {
      case 'identifier':
      case 'field_identifier':
      case 'type_identifier':
        return { name: node.text, pointer, isFnPtr, value, node };
      case 'init_declarator':
        value = node.childForFieldName('value') ?? undefined;
        node = node.childForFieldName('declarator');
        break;
      case 'pointer_declarator':
        pointer = true;
        node = node.childForFieldName('declarator');
        break;
      case 'function_declarator':
        // `void (*cb)(int)`: a function declarator around a parenthesized pointer.
        if (node.childForFieldName('declarator')?.type === 'parenthesized_declarator') isFnPtr = true;
        node = node.childForFieldName('declarator');
        break;
      case 'array_declarator':
      case 'attributed_declarator':
        node = node.childForFieldName('declarator') ?? node.namedChild(0);
        break;
      case 'parenthesized_declarator':
        node = node.namedChild(0);
        break;
      default: {
        // Annotations in ERROR nodes: take the last identifier-like child.
        let found: SyntaxNode | null = null;
        for (const c of node.namedChildren) {
          if (c && (c.type === 'identifier' || c.type === 'field_identifier' || c.type.endsWith('declarator'))) found = c;
        }
        node = found;
      }
    }
  }
  return undefined;
}

/** The function_declarator inside a function definition's declarator. */
export function functionDeclarator(node: SyntaxNode | null): SyntaxNode | undefined {
  for (let depth = 0; node && depth < 16; depth++) {
    if (node.type === 'function_declarator') return node;
    node = node.childForFieldName('declarator') ?? node.namedChildren.find((c) => c?.type.endsWith('declarator')) ?? null;
  }
  return undefined;
}

/** `container_of(ptr, struct foo, member)` and kin name the type they return. */
const CONTAINER_TYPE = /^(?:container_of|container_of_const|list_entry|list_first_entry|list_last_entry|list_first_entry_or_null|hlist_entry|hlist_entry_safe|rb_entry|list_next_entry|list_prev_entry)\s*\(\s*[^,]+,\s*(?:struct\s+|union\s+)?(\w+)\s*,/;

export function containerType(callText: string): string | undefined {
  const m = CONTAINER_TYPE.exec(callText);
  return m ? m[1] : undefined;
}

/** A call expression's arguments, comments left out. */
export function callArguments(call: SyntaxNode): SyntaxNode[] {
  return (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is SyntaxNode => !!a && a.type !== 'comment');
}
