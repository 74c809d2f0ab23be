// Strongly connected components (Tarjan's algorithm, iterative: a recursion
// cycle of thousands of functions must not overflow the JS stack). Components
// come out callees first: each after every component it can reach.
export function stronglyConnected<T>(nodes: Iterable<T>, successors: (n: T) => Iterable<T>): T[][] {
  const index = new Map<T, number>();
  const low = new Map<T, number>();
  const onStack = new Set<T>();
  const stack: T[] = [];
  const result: T[][] = [];
  let next = 0;
  for (const root of nodes) {
    if (index.has(root)) continue;
    const frames: Array<{ v: T; it: Iterator<T> }> = [];
    const enter = (v: T): void => {
      index.set(v, next);
      low.set(v, next++);
      stack.push(v);
      onStack.add(v);
      frames.push({ v, it: successors(v)[Symbol.iterator]() });
    };
    enter(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1];
      const step = frame.it.next();
      if (!step.done) {
        const w = step.value;
        if (!index.has(w)) enter(w);
        else if (onStack.has(w)) low.set(frame.v, Math.min(low.get(frame.v)!, index.get(w)!));
        continue;
      }
      frames.pop();
      if (frames.length > 0) {
        const parent = frames[frames.length - 1].v;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.v)!));
      }
      if (low.get(frame.v) === index.get(frame.v)) {
        const component: T[] = [];
        let w: T;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== frame.v);
        result.push(component);
      }
    }
  }
  return result;
}
