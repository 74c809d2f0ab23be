// HTML for the webviews (explain, lock graph, patch check), from protocol data. Pure (no vscode import) so
// tests can render and inspect it. Every string that came from source code
// (lock names, functions, messages, paths) goes through esc(). The page has a
// strict CSP: nothing loads from anywhere, the one script and style carry a
// nonce, and links post {type:'open', uri, line, character} to the extension.
import type { CheckPatchResult, ExplainResult, LockGraphResult, Loc, PatchFinding } from '../../../server/src/protocol/messages';

export function esc(s: unknown): string {
  return String(s).replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function nonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 32; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

export interface PageOptions {
  nonce: string;
  /** webview.cspSource (unused for content: nothing is loaded; kept for fonts of the theme). */
  cspSource?: string;
  title: string;
}

export function csp(n: string): string {
  return `default-src 'none'; img-src data:; style-src 'nonce-${n}'; script-src 'nonce-${n}'; font-src 'none'; connect-src 'none'; frame-src 'none'; form-action 'none'; base-uri 'none'`;
}

function shortFile(file: string): string {
  const i = file.lastIndexOf('/');
  return i === -1 ? file : file.slice(i + 1);
}

/** A link that opens a source location. */
export function locLink(loc: Loc, text?: string): string {
  return `<a href="#" class="loc" data-uri="${esc(loc.uri)}" data-line="${loc.line}" data-character="${loc.character}" title="${esc(loc.file)}:${loc.line + 1}">${esc(text ?? `${shortFile(loc.file)}:${loc.line + 1}`)}</a>`;
}

const STYLE = `
body { font-family: var(--vscode-font-family, sans-serif); font-size: var(--vscode-font-size, 13px); color: var(--vscode-foreground, #222); background: var(--vscode-editor-background, #fff); padding: 0 16px 24px; }
h1 { font-size: 1.25em; margin: 12px 0 4px; }
h2 { font-size: 1.05em; margin: 18px 0 6px; }
.rule { font-family: var(--vscode-editor-font-family, monospace); }
.badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: .85em; border: 1px solid currentColor; }
.confirmed { color: var(--vscode-errorForeground, #c00); }
.unconfirmed { color: var(--vscode-descriptionForeground, #666); }
table.witness { border-collapse: collapse; margin-top: 6px; }
table.witness th, table.witness td { border: 1px solid var(--vscode-panel-border, #ccc); padding: 3px 8px; vertical-align: top; text-align: left; }
table.witness td.n { color: var(--vscode-descriptionForeground, #666); text-align: right; }
td.blocked { background: var(--vscode-inputValidation-errorBackground, #fdd); font-weight: bold; }
td .ctx { color: var(--vscode-descriptionForeground, #666); font-size: .85em; }
ol.steps li { margin: 2px 0; }
code, .mono { font-family: var(--vscode-editor-font-family, monospace); }
a.loc { color: var(--vscode-textLink-foreground, #06c); text-decoration: none; cursor: pointer; }
a.loc:hover { text-decoration: underline; }
.deadlock { margin-top: 6px; font-weight: bold; color: var(--vscode-errorForeground, #c00); }
svg { max-width: 100%; height: auto; }
svg text { fill: var(--vscode-foreground, #222); font-family: var(--vscode-editor-font-family, monospace); font-size: 12px; }
svg .node rect { fill: var(--vscode-editor-background, #fff); stroke: var(--vscode-foreground, #444); stroke-width: 1.2; }
svg .node.cyc rect { stroke: var(--vscode-errorForeground, #c00); stroke-width: 2.2; }
svg .edge path { fill: none; stroke: var(--vscode-descriptionForeground, #888); stroke-width: 1.3; }
svg .edge.cyc path { stroke: var(--vscode-errorForeground, #c00); stroke-width: 2.2; }
svg a.loc .edge:hover path, svg a.loc:hover path { stroke-width: 3.5; }
svg .edge text { font-size: 11px; }
#arrow path { fill: var(--vscode-descriptionForeground, #888); }
#arrow-cyc path { fill: var(--vscode-errorForeground, #c00); }
.muted { color: var(--vscode-descriptionForeground, #666); }
ul.findings { list-style: none; padding-left: 0; }
ul.findings li.finding { margin: 6px 0; padding: 4px 8px; border-left: 3px solid var(--vscode-panel-border, #ccc); }
#introduced li.finding { border-left-color: var(--vscode-errorForeground, #c00); }
#fixed li.finding { border-left-color: var(--vscode-testing-iconPassed, #2a2); }
button.explain { margin-left: 8px; color: var(--vscode-button-foreground, #fff); background: var(--vscode-button-background, #06c); border: none; padding: 2px 8px; cursor: pointer; }
button.explain:hover { background: var(--vscode-button-hoverBackground, #05a); }
.error { color: var(--vscode-errorForeground, #c00); font-weight: bold; }
`;

const SCRIPT = `
(function () {
  const vscode = acquireVsCodeApi();
  document.addEventListener('click', function (ev) {
    let btn = ev.target;
    while (btn && !(btn.classList && btn.classList.contains('explain'))) btn = btn.parentNode;
    if (btn) {
      ev.preventDefault();
      vscode.postMessage({ type: 'explain', list: btn.getAttribute('data-list'), index: Number(btn.getAttribute('data-index')) });
      return;
    }
    let el = ev.target;
    while (el && !(el.classList && el.classList.contains('loc'))) el = el.parentNode;
    if (!el) return;
    ev.preventDefault();
    vscode.postMessage({ type: 'open', uri: el.getAttribute('data-uri'), line: Number(el.getAttribute('data-line')), character: Number(el.getAttribute('data-character')) });
  });
})();
`;

function page(o: PageOptions, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp(o.nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(o.title)}</title>
<style nonce="${o.nonce}">${STYLE}</style>
</head>
<body>
${body}
<script nonce="${o.nonce}">${SCRIPT}</script>
</body>
</html>`;
}

// ---------------------------------------------------------------------------
// SVG drawing: nodes on a circle, curved arrows between them

interface Pt {
  x: number;
  y: number;
}

function textWidth(s: string): number {
  return Math.max(40, s.length * 7.2 + 16);
}

function circleLayout(ids: string[], minR: number): { pos: Map<string, Pt>; w: number; h: number } {
  const n = ids.length;
  const widest = Math.max(60, ...ids.map(textWidth));
  const r = n <= 1 ? 0 : Math.max(minR, (n * (widest * 0.6 + 24)) / (2 * Math.PI));
  const pad = widest / 2 + 40;
  const cx = r + pad;
  const cy = r + 50;
  const pos = new Map<string, Pt>();
  ids.forEach((id, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, n);
    pos.set(id, { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a) });
  });
  return { pos, w: 2 * cx, h: 2 * cy };
}

/** Point where the segment from c toward p leaves a box of half-size (hw, hh) centred at c. */
function boxExit(c: Pt, p: Pt, hw: number, hh: number): Pt {
  const dx = p.x - c.x;
  const dy = p.y - c.y;
  if (dx === 0 && dy === 0) return c;
  const t = Math.min(hw / Math.abs(dx || 1e-9), hh / Math.abs(dy || 1e-9));
  return { x: c.x + dx * Math.min(1, t), y: c.y + dy * Math.min(1, t) };
}

interface DrawEdge {
  from: string;
  to: string;
  label: string;
  cyc: boolean;
  loc?: Loc;
}

function drawGraph(ids: string[], cycNodes: Set<string>, edges: DrawEdge[], minR: number, ariaLabel: string): string {
  const { pos, w, h } = circleLayout(ids, minR);
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${esc(ariaLabel)}" viewBox="0 0 ${Math.ceil(w)} ${Math.ceil(h)}" width="${Math.ceil(w)}" height="${Math.ceil(h)}">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>` +
      `<marker id="arrow-cyc" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>`,
  );
  const pairCount = new Map<string, number>();
  for (const e of edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    const k = `${e.from}\u0000${e.to}`;
    const nth = pairCount.get(k) ?? 0;
    pairCount.set(k, nth + 1);
    let d: string;
    let lx: number;
    let ly: number;
    if (e.from === e.to) {
      const hw = textWidth(e.from) / 2;
      d = `M${a.x + hw - 10},${a.y - 12} C${a.x + hw + 40},${a.y - 60} ${a.x + hw + 60},${a.y + 30} ${a.x + hw},${a.y + 8}`;
      lx = a.x + hw + 50;
      ly = a.y - 30;
    } else {
      const s = boxExit(a, b, textWidth(e.from) / 2 + 2, 14);
      const t = boxExit(b, a, textWidth(e.to) / 2 + 4, 16);
      // bend to the left of the direction so that A→B and B→A do not overlap
      const mx = (s.x + t.x) / 2;
      const my = (s.y + t.y) / 2;
      const dx = t.x - s.x;
      const dy = t.y - s.y;
      const len = Math.hypot(dx, dy) || 1;
      const bend = 28 + nth * 18;
      const qx = mx - (dy / len) * bend;
      const qy = my + (dx / len) * bend;
      d = `M${s.x.toFixed(1)},${s.y.toFixed(1)} Q${qx.toFixed(1)},${qy.toFixed(1)} ${t.x.toFixed(1)},${t.y.toFixed(1)}`;
      lx = (mx + qx) / 2;
      ly = (my + qy) / 2;
    }
    const g =
      `<g class="edge${e.cyc ? ' cyc' : ''}"><path d="${d}" marker-end="url(#${e.cyc ? 'arrow-cyc' : 'arrow'})"/>` +
      (e.label ? `<text x="${lx.toFixed(1)}" y="${ly.toFixed(1)}" text-anchor="middle">${esc(e.label)}</text>` : '') +
      `<title>${esc(`${e.from} → ${e.to}${e.label ? ': ' + e.label : ''}${e.loc ? ` (${e.loc.file}:${e.loc.line + 1})` : ''}`)}</title></g>`;
    parts.push(
      e.loc
        ? `<a href="#" class="loc" data-uri="${esc(e.loc.uri)}" data-line="${e.loc.line}" data-character="${e.loc.character}">${g}</a>`
        : g,
    );
  }
  for (const id of ids) {
    const p = pos.get(id)!;
    const bw = textWidth(id);
    parts.push(
      `<g class="node${cycNodes.has(id) ? ' cyc' : ''}"><rect x="${(p.x - bw / 2).toFixed(1)}" y="${(p.y - 13).toFixed(1)}" width="${bw.toFixed(1)}" height="26" rx="6"/>` +
        `<text x="${p.x.toFixed(1)}" y="${(p.y + 4).toFixed(1)}" text-anchor="middle">${esc(id)}</text></g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n');
}

// ---------------------------------------------------------------------------
// Explain lock path

export function explainHtml(r: ExplainResult, o: Omit<PageOptions, 'title'>): string {
  const b: string[] = [];
  b.push(
    `<h1><span class="rule">${esc(r.rule)}</span> <span class="badge ${r.confirmed ? 'confirmed' : 'unconfirmed'}">${r.confirmed ? 'confirmed' : 'unconfirmed'}</span></h1>`,
    `<p id="message">${esc(r.message)} — ${locLink(r.location)}</p>`,
  );
  if (!r.confirmed && r.reason) b.push(`<p class="muted">Not confirmed by the simulator: ${esc(r.reason)}</p>`);
  if (r.witness.length) {
    b.push(`<h2>Witness: ${r.cpus.length} CPU${r.cpus.length === 1 ? '' : 's'}</h2>`);
    b.push('<table class="witness" id="witness"><thead><tr><th>#</th>');
    for (const c of r.cpus) b.push(`<th class="cpu" data-cpu="${c.cpu}">${esc(c.label)}</th>`);
    b.push('</tr></thead><tbody>');
    for (const w of r.witness) {
      b.push(`<tr><td class="n">${w.step}</td>`);
      for (const c of r.cpus) {
        if (c.cpu !== w.cpu) {
          b.push('<td></td>');
          continue;
        }
        b.push(
          `<td class="step${w.blocked ? ' blocked' : ''}" data-cpu="${w.cpu}">${locLink(w.loc, w.text)}${w.blocked ? ' — blocked' : ''}` +
            ` <span class="ctx">[${esc(w.ctx)}] ${esc(shortFile(w.loc.file))}:${w.loc.line + 1}</span></td>`,
        );
      }
      b.push('</tr>');
    }
    b.push('</tbody></table>');
    b.push('<p class="deadlock">DEADLOCK: every CPU above waits on another.</p>');
  }
  if (r.steps.length) {
    b.push('<h2>Path</h2><ol class="steps" start="0" id="steps">');
    for (const s of r.steps) b.push(`<li>${esc(s.message)} — ${locLink(s.loc)}</li>`);
    b.push('</ol>');
  }
  if (r.cycle.nodes.length) {
    b.push('<h2>Cycle</h2>');
    const cyc = new Set(r.cycle.nodes);
    b.push(
      drawGraph(
        r.cycle.nodes,
        cyc,
        r.cycle.edges.map((e) => ({ from: e.from, to: e.to, label: e.label, cyc: true, loc: e.loc })),
        90,
        `deadlock cycle: ${r.cycle.nodes.join(' → ')}`,
      ),
    );
  }
  b.push(`<p class="muted">Silence with <code>/* lockscope: ignore ${esc(r.rule)} -- reason */</code> on the line above the finding.</p>`);
  return page({ ...o, title: `Lock path: ${r.rule}` }, b.join('\n'));
}

// ---------------------------------------------------------------------------
// Lock graph

export function graphHtml(g: LockGraphResult, o: Omit<PageOptions, 'title'>, maxNodes = 150): string {
  const b: string[] = [];
  b.push(`<h1>Lock order graph</h1>`);
  b.push(
    `<p class="muted">${g.nodes.length} lock classes, ${g.edges.length} orders, ${g.cycles.length} cycle${g.cycles.length === 1 ? '' : 's'}. ` +
      `An arrow A → B means B was taken while A was held; red marks a cycle. Click an arrow to open where it happens.</p>`,
  );
  let nodes = g.nodes;
  if (nodes.length > maxNodes) {
    // keep cycle nodes and the best-connected rest
    const degree = new Map<string, number>();
    for (const e of g.edges) {
      degree.set(e.from, (degree.get(e.from) ?? 0) + 1);
      degree.set(e.to, (degree.get(e.to) ?? 0) + 1);
    }
    nodes = [...nodes].sort((a, b) => Number(b.inCycle) - Number(a.inCycle) || (degree.get(b.id) ?? 0) - (degree.get(a.id) ?? 0)).slice(0, maxNodes);
    b.push(`<p class="muted">Drawing ${maxNodes} of ${g.nodes.length} classes (cycles first); the table lists every order.</p>`);
  }
  const ids = orderForDrawing(nodes.map((n) => n.id), g);
  const keep = new Set(ids);
  if (ids.length) {
    b.push(
      drawGraph(
        ids,
        new Set(nodes.filter((n) => n.inCycle).map((n) => n.id)),
        g.edges.filter((e) => keep.has(e.from) && keep.has(e.to)).map((e) => ({ from: e.from, to: e.to, label: '', cyc: e.inCycle, loc: e.sites[0]?.loc })),
        120,
        'lock order graph',
      ),
    );
  } else b.push('<p>No lock is taken while another is held in the analysed code.</p>');
  if (g.cycles.length) {
    b.push('<h2>Cycles</h2><ul id="cycles">');
    for (const c of g.cycles) b.push(`<li class="mono">${c.map(esc).join(' → ')} → ${esc(c[0])}</li>`);
    b.push('</ul>');
  }
  if (g.edges.length) {
    b.push('<h2>Orders</h2><table class="witness" id="orders"><thead><tr><th>held</th><th>then taken</th><th>where</th></tr></thead><tbody>');
    for (const e of g.edges) {
      b.push(
        `<tr${e.inCycle ? ' class="cyc"' : ''}><td class="mono">${esc(e.from)}</td><td class="mono">${esc(e.to)}</td><td>` +
          e.sites.map((s) => `${esc(s.fn)}() ${locLink(s.loc)}`).join('<br>') +
          `</td></tr>`,
      );
    }
    b.push('</tbody></table>');
  }
  return page({ ...o, title: 'Lock order graph' }, b.join('\n'));
}

/** Put each cycle's nodes next to each other on the circle, then the rest. */
function orderForDrawing(ids: string[], g: LockGraphResult): string[] {
  const set = new Set(ids);
  const out: string[] = [];
  const seen = new Set<string>();
  for (const c of g.cycles) for (const n of c) if (set.has(n) && !seen.has(n)) (seen.add(n), out.push(n));
  for (const n of ids) if (!seen.has(n)) (seen.add(n), out.push(n));
  return out;
}

/** Locations a page may ask to open: exactly those it was given. */
export function allowedLocations(r: ExplainResult | LockGraphResult | CheckPatchResult): Set<string> {
  const s = new Set<string>();
  const add = (l?: Loc): void => void (l && s.add(l.uri));
  if ('introduced' in r) {
    for (const f of [...r.introduced, ...r.fixed]) {
      add(f.loc);
      for (const uri of allowedLocations(f.explanation)) s.add(uri);
    }
  } else if ('witness' in r) {
    add(r.location);
    r.steps.forEach((x) => add(x.loc));
    r.witness.forEach((x) => add(x.loc));
    r.cycle.edges.forEach((x) => add(x.loc));
  } else r.edges.forEach((e) => e.sites.forEach((x) => add(x.loc)));
  return s;
}

// ---------------------------------------------------------------------------
// Patch check

const VERSION_NOTE: Record<PatchFinding['version'], string> = {
  tree: '',
  patched: ' <span class="muted">(line in the patched version)</span>',
  unpatched: ' <span class="muted">(line in the version before the patch)</span>',
};

function patchFindingItem(f: PatchFinding, list: 'introduced' | 'fixed', index: number): string {
  return (
    `<li class="finding" data-rule="${esc(f.rule)}">` +
    `<span class="rule">${esc(f.rule)}</span> <span class="badge ${f.confirmed ? 'confirmed' : 'unconfirmed'}">${f.confirmed ? 'confirmed' : 'unconfirmed'}</span> ` +
    `<span class="message">${esc(f.message)}</span> — ${locLink(f.loc)}${VERSION_NOTE[f.version] ?? ''}` +
    `<button type="button" class="explain" data-list="${list}" data-index="${index}" title="Explain lock path">Explain</button>` +
    `<div class="muted mono">locks: ${f.locks.map(esc).join(', ')}; functions: ${f.functions.map(esc).join(', ')}</div>` +
    `</li>`
  );
}

/** The result of lockscope.server.checkPatch: introduced and fixed findings, each a link with an Explain button. */
export function patchHtml(r: CheckPatchResult, o: Omit<PageOptions, 'title'>): string {
  const b: string[] = [];
  b.push(`<h1>Patch check: <span class="mono">${esc(r.source)}</span></h1>`);
  if (r.error) {
    b.push(`<p id="error" class="error">${esc(r.error)}</p>`);
    return page({ ...o, title: 'Patch check' }, b.join('\n'));
  }
  b.push(
    `<p id="summary">${r.introduced.length} introduced, ${r.fixed.length} fixed, <span id="unchanged">${r.unchanged}</span> unchanged.</p>`,
  );
  if (r.alreadyApplied) b.push('<p class="muted">The tree already has this patch: compared with the tree without it.</p>');
  for (const s of r.skipped ?? []) b.push(`<p class="muted">Skipped ${esc(s.file)}: ${esc(s.reason)}</p>`);
  const section = (title: string, list: 'introduced' | 'fixed', items: PatchFinding[]) => {
    b.push(`<h2>${title}</h2>`);
    if (!items.length) b.push(`<p class="muted" id="${list}-none">None.</p>`);
    else {
      b.push(`<ul class="findings" id="${list}">`);
      items.forEach((f, i) => b.push(patchFindingItem(f, list, i)));
      b.push('</ul>');
    }
  };
  section('Introduced', 'introduced', r.introduced);
  section('Fixed', 'fixed', r.fixed);
  return page({ ...o, title: 'Patch check' }, b.join('\n'));
}
