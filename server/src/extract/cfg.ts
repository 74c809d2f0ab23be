// The control-flow graph as extraction leaves it has many blocks with no
// events (the arms of a test that emits nothing, joins, loop heads): seven of
// ten on drivers/. Each costs memory in every file's facts and a state key per
// path state at each visit while summarizing, and says nothing: a path through
// one goes on to its one successor. Such blocks are threaded through here.
import type { Block } from './ir';

/**
 * The same paths without empty single-successor blocks: every jump to one goes to where it leads.
 * Block 0 stays the entry and `exit` the exit; a loop of empty blocks (`for (;;);`) keeps one of them.
 */
export function threadEmptyBlocks(blocks: readonly Block[], exit: number): { blocks: Block[]; exit: number } {
  const passThrough = (b: number): boolean =>
    b !== 0 && b !== exit && blocks[b].events.length === 0 && blocks[b].succ.length === 1;
  // Where a jump to b lands: the first block on its chain that is not passed through.
  const target = new Int32Array(blocks.length).fill(-1);
  const land = (b: number): number => {
    const chain: number[] = [];
    let x = b;
    while (target[x] < 0 && passThrough(x) && !chain.includes(x)) {
      chain.push(x);
      x = blocks[x].succ[0];
    }
    // A chain that came back to itself (an empty loop) lands on the block where it closed.
    const end = target[x] >= 0 ? target[x] : x;
    for (const c of chain) target[c] = end;
    if (target[x] < 0) target[x] = x;
    return end;
  };
  let threaded = false;
  for (let b = 0; b < blocks.length && !threaded; b++) threaded = passThrough(b);
  if (!threaded) return { blocks: blocks as Block[], exit };
  const kept: number[] = [];
  const index = new Int32Array(blocks.length).fill(-1);
  for (let b = 0; b < blocks.length; b++) {
    if (land(b) === b) {
      index[b] = kept.length;
      kept.push(b);
    }
  }
  const out = kept.map((b): Block => {
    const succ: number[] = [];
    for (const s of blocks[b].succ) {
      const t = index[land(s)];
      if (!succ.includes(t)) succ.push(t);
    }
    return { events: blocks[b].events, succ };
  });
  return { blocks: out, exit: index[exit] };
}
