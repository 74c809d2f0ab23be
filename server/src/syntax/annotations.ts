// Kernel annotation tokens (section, sparse, compiler attributes) are not C
// that tree-sitter knows: `static int __init foo(void)` parses as a
// declaration `static int __init;` and a function whose type is `foo`. Every
// parse therefore sees them blanked to spaces of the same length, so byte
// positions, lines and columns are exactly the source's (sites stay right and
// incremental edits line up). Extraction reads __init/__exit from the source.

/** Tokens that stand alone. */
const BARE = [
  '__init', '__exit', '__ref', '__refdata', '__refconst', '__initdata', '__exitdata', '__initconst', '__devinit', '__devexit',
  '__cpuinit', '__meminit', '__init_or_module', '__cold', '__hot', '__always_inline', '__noinline', 'noinline',
  '__must_check', '__iomem', '__user', '__kernel', '__rcu', '__percpu', '__force', '__bitwise', '__safe', '__nocast',
  '__maybe_unused', '__always_unused', '__used', '__weak', '__visible', '__latent_entropy', '__read_mostly',
  '__ro_after_init', 'asmlinkage', 'notrace', '__sched', '__noreturn', '__pure', '__flatten', '__malloc', '__nocfi',
  '__naked', '__noclone', '__kprobes', '__irq_entry', '__softirq_entry', '__private', '__randomize_layout',
  '__no_randomize_layout', '__packed', '__cacheline_aligned', '__cacheline_aligned_in_smp', '____cacheline_aligned',
  '____cacheline_aligned_in_smp', '__deprecated', '__nonstring', '__noinstr', 'noinstr', '__init_memblock',
  'cf_check', '__initcall', '__ro_after_init_scope',
];

/** Tokens followed by a parenthesised argument list, blanked with it. */
const WITH_ARGS = [
  '__attribute__', '__attribute', '__acquires', '__releases', '__must_hold', '__cond_acquires', '__cond_releases',
  '__aligned', '__section', '__printf', '__scanf', '__alloc_size', '__counted_by', '__free', '__diag_ignore',
];

const TOKEN = new RegExp(`\\b(${[...BARE, ...WITH_ARGS].join('|')})\\b`, 'g');
const TAKES_ARGS = new Set(WITH_ARGS);
/** Longest argument list blanked; a longer one is left alone rather than guessed. */
const MAX_ARGS = 400;

export function blankAnnotations(text: string): string {
  if (!text.includes('__') && !text.includes('noinline') && !text.includes('asmlinkage') && !text.includes('cf_check')
    && !text.includes('notrace') && !text.includes('noinstr')) return text;
  let out = '';
  let from = 0;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(text); m; m = TOKEN.exec(text)) {
    let end = m.index + m[0].length;
    if (TAKES_ARGS.has(m[1])) {
      let i = end;
      while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
      if (text[i] !== '(') continue; // a use that is not the annotation (e.g. in a #define name list)
      let depth = 0;
      let j = i;
      for (; j < text.length && j - i < MAX_ARGS; j++) {
        if (text[j] === '(') depth++;
        else if (text[j] === ')' && --depth === 0) break;
      }
      if (depth !== 0 || j >= text.length || j - i >= MAX_ARGS) continue;
      end = j + 1;
    }
    out += text.slice(from, m.index) + text.slice(m.index, end).replace(/[^\n]/g, ' ');
    from = end;
    TOKEN.lastIndex = end;
  }
  return from === 0 ? text : out + text.slice(from);
}
