// K-fold splits grouped by patient and stratified by positivity: every image of a patient falls in the same fold, so
// validation never sees a patient the model trained on (SIIM has several films of some patients), and the patients
// with a pneumothorax are spread over the folds, so no fold's training part is left without one by chance while the
// data holds two or more (a site's few reviewed positives could all land in the held-out fold). Pure and seeded.
import { Rng } from '../random';

export type FoldSplit = { train: number[]; validation: number[] };

/**
 * The fold (0 … folds-1) of each item, given each item's group (patient) and whether it shows a pneumothorax. A
 * group is positive when any of its items is. Groups are shuffled by the seed; positive groups are then placed
 * (largest first) into the fold holding the fewest images of positive groups, negative groups into the fold holding
 * the fewest images, which keeps the positive groups' images within one group's size of each other across folds and
 * the fold sizes close.
 */
export function assignFolds(groups: readonly string[], positives: readonly boolean[], folds: number, seed: number): number[] {
  if (!Number.isInteger(folds) || folds < 2) throw new RangeError(`a k-fold split needs at least 2 folds, got ${folds}`);
  if (positives.length !== groups.length) throw new RangeError(`${positives.length} labels for ${groups.length} items`);
  const members = new Map<string, { items: number[]; positive: boolean }>();
  groups.forEach((group, index) => {
    const entry = members.get(group) ?? { items: [], positive: false };
    entry.items.push(index);
    entry.positive ||= positives[index];
    members.set(group, entry);
  });
  if (members.size < folds) {
    throw new RangeError(`${folds} folds need at least ${folds} patients; the data has ${members.size}`);
  }
  const order = new Rng(seed).shuffle([...members.values()]);
  // Stable sort: groups of equal standing keep their shuffled order.
  order.sort((a, b) => Number(b.positive) - Number(a.positive) || b.items.length - a.items.length);
  const sizes = new Array<number>(folds).fill(0);
  const positiveSizes = new Array<number>(folds).fill(0);
  const fold = new Array<number>(groups.length);
  for (const { items, positive } of order) {
    const target = positive ? leastFilled(positiveSizes, sizes) : leastFilled(sizes, sizes);
    for (const index of items) fold[index] = target;
    sizes[target] += items.length;
    if (positive) positiveSizes[target] += items.length;
  }
  return fold;
}

/** The fold with the smallest `primary` count, ties to the smaller `tie` count, then the lower index. */
function leastFilled(primary: readonly number[], tie: readonly number[]): number {
  let best = 0;
  for (let f = 1; f < primary.length; f++) {
    if (primary[f] < primary[best] || (primary[f] === primary[best] && tie[f] < tie[best])) best = f;
  }
  return best;
}

/** Training and validation indices for one fold of an assignment. */
export function splitFold(assignment: readonly number[], fold: number): FoldSplit {
  const folds = Math.max(...assignment) + 1;
  if (!Number.isInteger(fold) || fold < 0 || fold >= folds) throw new RangeError(`fold must be 0 … ${folds - 1}, got ${fold}`);
  const split: FoldSplit = { train: [], validation: [] };
  assignment.forEach((f, index) => (f === fold ? split.validation : split.train).push(index));
  return split;
}

/** Items split into one fold's training and validation parts, grouped by patient and stratified by positivity. */
export function splitItems<T extends { patientId: string; positive: boolean }>(items: readonly T[], folds: number, fold: number, seed: number): { train: T[]; validation: T[] } {
  const assignment = assignFolds(items.map((item) => item.patientId), items.map((item) => item.positive), folds, seed);
  const { train, validation } = splitFold(assignment, fold);
  return { train: train.map((i) => items[i]), validation: validation.map((i) => items[i]) };
}
