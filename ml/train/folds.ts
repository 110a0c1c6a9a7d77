// K-fold splits grouped by patient: every image of a patient falls in the same fold, so validation never sees a
// patient the model trained on (SIIM has several films of some patients). Pure and seeded.
import { Rng } from '../random';

export type FoldSplit = { train: number[]; validation: number[] };

/**
 * The fold (0 … folds-1) of each item, given each item's group (patient). Groups are shuffled by the seed, then
 * placed largest first into the fold holding the fewest images, which keeps fold sizes within one group's size.
 */
export function assignFolds(groups: readonly string[], folds: number, seed: number): number[] {
  if (!Number.isInteger(folds) || folds < 2) throw new RangeError(`a k-fold split needs at least 2 folds, got ${folds}`);
  const members = new Map<string, number[]>();
  groups.forEach((group, index) => {
    const list = members.get(group);
    if (list) list.push(index);
    else members.set(group, [index]);
  });
  if (members.size < folds) {
    throw new RangeError(`${folds} folds need at least ${folds} patients; the data has ${members.size}`);
  }
  const order = new Rng(seed).shuffle([...members.values()]);
  // Stable sort: groups of equal size keep their shuffled order.
  order.sort((a, b) => b.length - a.length);
  const sizes = new Array<number>(folds).fill(0);
  const fold = new Array<number>(groups.length);
  for (const group of order) {
    const smallest = sizes.indexOf(Math.min(...sizes));
    for (const index of group) fold[index] = smallest;
    sizes[smallest] += group.length;
  }
  return fold;
}

/** Training and validation indices for one fold of an assignment. */
export function splitFold(assignment: readonly number[], fold: number): FoldSplit {
  const folds = Math.max(...assignment) + 1;
  if (!Number.isInteger(fold) || fold < 0 || fold >= folds) throw new RangeError(`fold must be 0 … ${folds - 1}, got ${fold}`);
  const split: FoldSplit = { train: [], validation: [] };
  assignment.forEach((f, index) => (f === fold ? split.validation : split.train).push(index));
  return split;
}
