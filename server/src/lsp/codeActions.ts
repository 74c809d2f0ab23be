// Code actions for one finding, listed cheaply from the stored finding and
// the open document's text: Explain lock path, the mechanical irq-inversion
// fix (spin_lock → spin_lock_irqsave with its unlocks and a flags variable),
// and a suppression comment on the line above.
import { CodeActionKind, type CodeAction, type Diagnostic, type TextEdit } from 'vscode-languageserver';
import type { SourceDocument } from '../engine/document';
import type { Finding } from '../report/finding';
import type { Site } from '../extract/ir';
import { EXPLAIN_COMMAND, SUPPRESS_PREFIX } from './commands';
import type { FileMap } from './toProto';

export function codeActionsFor(f: Finding, uri: string, doc: SourceDocument | undefined, diag: Diagnostic | undefined, _files: FileMap): CodeAction[] {
  const diagnostics = diag ? [diag] : undefined;
  const out: CodeAction[] = [
    {
      title: 'Explain lock path',
      kind: CodeActionKind.QuickFix,
      diagnostics,
      command: { title: 'Explain lock path', command: EXPLAIN_COMMAND, arguments: [{ findingId: f.id }] },
    },
  ];
  if (!doc) return out;
  if (f.rule === 'irq-inversion') {
    const edits = irqsaveFix(doc, [f.location, ...f.related].filter((s) => s.file === doc.file));
    if (edits) {
      out.push({
        title: 'Use spin_lock_irqsave / spin_unlock_irqrestore here',
        kind: CodeActionKind.QuickFix,
        diagnostics,
        isPreferred: true,
        edit: { changes: { [uri]: edits } },
      });
    }
  }
  if (f.location.file === doc.file) {
    const line = f.location.line - 1;
    const indent = /^\s*/.exec(doc.lineText(line))![0];
    out.push({
      title: `Suppress ${f.rule} here (comment on the line above)`,
      kind: CodeActionKind.QuickFix,
      diagnostics,
      edit: {
        changes: {
          [uri]: [{ range: { start: { line, character: 0 }, end: { line, character: 0 } }, newText: `${indent}/* ${SUPPRESS_PREFIX} ${f.rule} -- TODO: why this cannot deadlock */\n` }],
        },
      },
    });
  }
  return out;
}

/** `name(` at or after `from` on a line → [start of name, index after the matching ')', argument text]. */
function callAt(text: string, name: string, from: number): [number, number, string] | undefined {
  const re = new RegExp(`\\b${name}\\s*\\(`, 'g');
  re.lastIndex = Math.max(0, from);
  const m = re.exec(text);
  if (!m) return undefined;
  let depth = 0;
  for (let i = m.index + m[0].length - 1; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return [m.index, i + 1, text.slice(m.index + m[0].length, i).trim()];
  }
  return undefined;
}

const norm = (s: string): string => s.replace(/\s+/g, '');

/**
 * Text edits turning the plain spin_lock(X) at one of `sites` (and every
 * spin_lock(X) / spin_unlock(X) of the same X in that function body) into
 * the irqsave / irqrestore forms, declaring `unsigned long flags;` when the
 * body has none. Kernel style is assumed: a function body's braces sit in
 * column 0. Undefined when the shape is not that simple.
 */
export function irqsaveFix(doc: SourceDocument, sites: Site[]): TextEdit[] | undefined {
  for (const site of sites) {
    const line = site.line - 1;
    const text = doc.lineText(line);
    const call = callAt(text, 'spin_lock', Math.max(0, site.column - 1 - 1)) ?? callAt(text, 'spin_lock', 0);
    if (!call) continue;
    const lockArg = call[2];
    let open = line;
    while (open >= 0 && !/^\{/.test(doc.lineText(open))) open--;
    let close = line;
    while (close < doc.lineCount && !/^\}/.test(doc.lineText(close))) close++;
    if (open < 0 || close >= doc.lineCount) continue;
    let body = '';
    for (let l = open; l <= close; l++) body += doc.lineText(l) + '\n';
    let flags = 'flags';
    if (/\bunsigned\s+long\s+flags\b/.test(body)) flags = 'flags';
    else if (/\bflags\b/.test(body)) flags = /\birqflags\b/.test(body) ? 'lockscope_flags' : 'irqflags';
    const declared = new RegExp(`\\bunsigned\\s+long\\s+${flags}\\b`).test(body);
    const edits: TextEdit[] = [];
    let unlocks = 0;
    for (let l = open + 1; l < close; l++) {
      const t = doc.lineText(l);
      for (const [name, repl] of [
        ['spin_lock', 'spin_lock_irqsave'],
        ['spin_unlock', 'spin_unlock_irqrestore'],
      ] as const) {
        for (let from = 0, c = callAt(t, name, from); c; from = c[1], c = callAt(t, name, from)) {
          if (norm(c[2]) !== norm(lockArg)) continue;
          if (name === 'spin_unlock') unlocks++;
          edits.push({ range: { start: { line: l, character: c[0] }, end: { line: l, character: c[1] } }, newText: `${repl}(${c[2]}, ${flags})` });
        }
      }
    }
    if (unlocks === 0) continue;
    if (!declared) {
      let indent = '\t';
      for (let l = open + 1; l < close; l++) {
        const m = /^(\s+)\S/.exec(doc.lineText(l));
        if (m) {
          indent = m[1];
          break;
        }
      }
      edits.unshift({ range: { start: { line: open + 1, character: 0 }, end: { line: open + 1, character: 0 } }, newText: `${indent}unsigned long ${flags};\n` });
    }
    return edits;
  }
  return undefined;
}
