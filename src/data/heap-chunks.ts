/**
 * Heap chunks: a key-ordered PostgreSQL table read as consecutive heap ranges, one per key group (see
 * `segment-diff.ts`, `postgres/heap-chunk-sums.ts`). Group `g` holds keys `[lo, hi)`; its chunk is the heap
 * range from where the group starts to where the next one starts. The chunks of a side always cover its whole
 * heap, each position exactly once, whatever the starts are: a row outside its group's chunk (moved by an
 * update, inserted out of order) is a straggler, returned by its chunk with its key and hash and added to the
 * group of its key. The starts only decide how many stragglers there are, never the result.
 */

/** A heap position `(page, offset)`, as PostgreSQL writes a `tid`. */
export type HeapPosition = readonly [page: number, offset: number];

export interface HeapChunk {
  readonly group: number;
  /** The group's keys: `[lo, hi)`. */
  readonly lo: bigint;
  readonly hi: bigint;
  /** The heap range `[from, to)`; `to` null: to the end of the heap. */
  readonly from: HeapPosition;
  readonly to: HeapPosition | null;
}

const HEAP_START: HeapPosition = [0, 0];

/** A `tid` as text, `(12,3)`, read; null when it is not one. */
export function parseHeapPosition(text: string | null | undefined): HeapPosition | null {
  const m = text ? /^\((\d+),(\d+)\)$/.exec(text) : null;
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export const heapPositionText = (p: HeapPosition): string => `(${p[0]},${p[1]})`;

const before = (a: HeapPosition, b: HeapPosition) => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

/**
 * The chunks of groups `0 … starts.length - 1` from where each group's lowest key lies in the heap (`starts[g]`,
 * null when no key is at or above the group's first key). A start out of order with a neighbour (the first row
 * of a group moved elsewhere) is left out, and the rest made non-decreasing, so the chunks follow the heap in
 * order and one moved row costs the stragglers of one group at most. A group left without a chunk (no start,
 * or an empty range) is read through the chunk before it, as stragglers. The first chunk starts at the
 * beginning of the heap and the last one runs to its end.
 */
export function heapChunks(
  starts: readonly (HeapPosition | null)[],
  origin: bigint,
  width: bigint,
): HeapChunk[] {
  const at = starts.map((s, g) => ({ g, s })).filter((x): x is { g: number; s: HeapPosition } => !!x.s);
  const kept: { g: number; s: HeapPosition }[] = [];
  for (let i = 0; i < at.length; i++) {
    const p = at[i - 1]?.s;
    const n = at[i + 1]?.s;
    const s = at[i]!.s;
    if ((p && before(s, p)) || (n && before(n, s))) continue;
    const last = kept[kept.length - 1];
    if (last && before(s, last.s)) continue; // non-decreasing
    // A start equal to the one before: that group holds no key, the later one starts there.
    if (last && !before(last.s, s)) kept.pop();
    kept.push({ g: at[i]!.g, s });
  }
  return kept.map((k, i) => {
    const lo = origin + BigInt(k.g) * width;
    return {
      group: k.g,
      lo,
      hi: lo + width,
      from: i === 0 ? HEAP_START : k.s,
      to: i + 1 < kept.length ? kept[i + 1]!.s : null,
    };
  });
}
