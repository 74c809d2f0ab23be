// Strongly connected components (Tarjan's algorithm, iterative: a recursion
// cycle of thousands of functions must not overflow the JS stack). Components
// come out callees first: each after every component it can reach.
// Runs on every analysis of the editor: one map lookup per edge, the rest in
// arrays indexed by visit order.
export function stronglyConnected<T>(nodes: Iterable<T>, successors: (n: T) => Iterable<T>): T[][] {
  const order = new Map<T, number>(); // visit order
  const low: number[] = [];
  const onStack: boolean[] = [];
  const stack: T[] = [];
  const result: T[][] = [];
  const frameNode: T[] = [];
  const frameOrder: number[] = [];
  const frameIt: Array<Iterator<T>> = [];
  const enter = (v: T): void => {
    const i = order.size;
    order.set(v, i);
    low.push(i);
    onStack.push(true);
    stack.push(v);
    frameNode.push(v);
    frameOrder.push(i);
    frameIt.push(successors(v)[Symbol.iterator]());
  };
  for (const root of nodes) {
    if (order.has(root)) continue;
    enter(root);
    while (frameNode.length > 0) {
      const top = frameNode.length - 1;
      const vi = frameOrder[top];
      const step = frameIt[top].next();
      if (!step.done) {
        const wi = order.get(step.value);
        if (wi === undefined) enter(step.value);
        else if (onStack[wi] && wi < low[vi]) low[vi] = wi;
        continue;
      }
      const v = frameNode.pop()!;
      frameOrder.pop();
      frameIt.pop();
      if (frameNode.length > 0) {
        const pi = frameOrder[frameNode.length - 1];
        if (low[vi] < low[pi]) low[pi] = low[vi];
      }
      if (low[vi] === vi) {
        let w = stack.pop()!;
        onStack[order.get(w)!] = false;
        if (w === v) {
          // Most components are one function: an array of exactly one (one grown by push has room for 17).
          result.push([w]);
          continue;
        }
        const component: T[] = [w];
        do {
          w = stack.pop()!;
          onStack[order.get(w)!] = false;
          component.push(w);
        } while (w !== v);
        result.push(component);
      }
    }
  }
  return result;
}
