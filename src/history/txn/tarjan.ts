import type { DependencyGraph } from "./dependency-graph";

/**
 * Tarjan's strongly connected components without recursion (a history of a million
 * transactions would overflow the call stack), over the edges whose relations intersect
 * `mask`, optionally only among vertices whose `scope.of[v] === scope.tag`. The arrays live in
 * a workspace reused across calls, so searching many small components stays linear.
 */
export class SccFinder {
  private readonly index: Int32Array;
  private readonly low: Int32Array;
  private readonly onStack: Uint8Array;
  private readonly stack: Int32Array;
  private readonly callVertex: Int32Array;
  private readonly callEdge: Int32Array;

  constructor(private readonly graph: DependencyGraph) {
    const n = graph.vertexCount;
    this.index = new Int32Array(n);
    this.low = new Int32Array(n);
    this.onStack = new Uint8Array(n);
    this.stack = new Int32Array(n);
    this.callVertex = new Int32Array(n);
    this.callEdge = new Int32Array(n);
  }

  /**
   * The components with more than one vertex (the graph has no self-edges, so only those hold
   * cycles), each as a list of vertices, starting from `roots` (every vertex when omitted).
   */
  find(mask: number, roots?: ArrayLike<number>, scope?: { readonly of: Int32Array; readonly tag: number }): number[][] {
    const { offsets, targets, rels } = this.graph;
    const { index, low, onStack, stack, callVertex, callEdge } = this;
    const touched: number[] = [];
    const components: number[][] = [];
    let counter = 0;
    let sp = 0;
    const rootCount = roots ? roots.length : this.graph.vertexCount;
    for (let r = 0; r < rootCount; r++) {
      const root = roots ? roots[r]! : r;
      if (index[root] !== 0) continue;
      let depth = 0;
      index[root] = low[root] = ++counter;
      touched.push(root);
      stack[sp++] = root;
      onStack[root] = 1;
      callVertex[0] = root;
      callEdge[0] = offsets[root]!;
      depth = 1;
      while (depth > 0) {
        const v = callVertex[depth - 1]!;
        const e = callEdge[depth - 1]!;
        if (e < offsets[v + 1]!) {
          callEdge[depth - 1] = e + 1;
          if ((rels[e]! & mask) === 0) continue;
          const w = targets[e]!;
          if (scope && scope.of[w] !== scope.tag) continue;
          if (index[w] === 0) {
            index[w] = low[w] = ++counter;
            touched.push(w);
            stack[sp++] = w;
            onStack[w] = 1;
            callVertex[depth] = w;
            callEdge[depth] = offsets[w]!;
            depth++;
          } else if (onStack[w] === 1 && index[w]! < low[v]!) low[v] = index[w]!;
          continue;
        }
        depth--;
        if (depth > 0) {
          const parent = callVertex[depth - 1]!;
          if (low[v]! < low[parent]!) low[parent] = low[v]!;
        }
        if (low[v] === index[v]) {
          let size = 0;
          let top = sp;
          do size++;
          while (stack[--top] !== v);
          if (size > 1) components.push(Array.from(stack.subarray(top, sp)));
          for (let i = top; i < sp; i++) onStack[stack[i]!] = 0;
          sp = top;
        }
      }
    }
    for (const v of touched) index[v] = low[v] = 0;
    return components;
  }
}
