import { distance } from 'fastest-levenshtein';

/**
 * The closest candidate to a misspelt word, when it is close enough to be a plausible typo.
 *
 * @example didYouMean('ownr', ['owner', 'after']) // 'owner'
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = isTransposition(word.toLowerCase(), candidate.toLowerCase())
      ? 1
      : distance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

/** A hint sentence for a misspelt word, or undefined. */
export function didYouMeanHint(word: string, candidates: Iterable<string>): string | undefined {
  const match = didYouMean(word, candidates);
  return match === undefined ? undefined : `did you mean '${match}'?`;
}

/** Whether `b` is `a` with two neighbouring letters swapped, the commonest typo (Levenshtein counts it as 2). */
function isTransposition(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const diff: number[] = [];
  for (let i = 0; i < a.length && diff.length <= 2; i++) if (a[i] !== b[i]) diff.push(i);
  return (
    diff.length === 2 &&
    diff[1] === diff[0]! + 1 &&
    a[diff[0]!] === b[diff[1]!] &&
    a[diff[1]!] === b[diff[0]!]
  );
}
