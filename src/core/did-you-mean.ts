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
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
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
