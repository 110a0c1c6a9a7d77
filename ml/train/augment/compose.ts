import type { Rng } from '../../random';
import type { Mask, Plane, Shape, Transform } from './types';

/** One entry per child: its parameters when it was drawn to apply, null when skipped. */
export type ComposeParams = ({ params: unknown } | null)[];

/** Runs its children in order, each with its own probability p (albumentations' should_apply: p ≤ 0 never, ≥ 1 always). */
export function compose(children: Transform<any>[], { p = 1 } = {}): Transform<ComposeParams> {
  const run = <T>(target: T, params: ComposeParams, apply: (t: Transform<any>, x: T, p: unknown) => T): T =>
    children.reduce((x, child, i) => (params[i] ? apply(child, x, params[i]!.params) : x), target);
  return {
    name: 'Compose',
    p,
    sample(rng: Rng, shape: Shape) {
      let current = shape;
      return children.map((child) => {
        if (!rng.chance(child.p)) return null;
        const params = child.sample(rng, current);
        current = child.outputShape(current);
        return { params };
      });
    },
    applyImage: (image: Plane, params) => run(image, params, (t, x, p) => t.applyImage(x, p)),
    applyMask: (mask: Mask, params) => run(mask, params, (t, x, p) => t.applyMask(x, p)),
    outputShape: (shape) => children.reduce((s, child) => child.outputShape(s), shape),
  };
}

export interface OneOfParams {
  choice: number;
  params: unknown;
}

/**
 * Applies exactly one child, picked with the children's p as relative weights and then run forced, as
 * albumentations' OneOf; the OneOf's own p is left to the enclosing Compose.
 */
export function oneOf(children: Transform<any>[], { p = 0.5 } = {}): Transform<OneOfParams> {
  const total = children.reduce((sum, child) => sum + child.p, 0);
  if (!(total > 0)) throw new Error('oneOf needs at least one child with p > 0');
  const shapes = new Set(children.map((child) => JSON.stringify(child.outputShape({ rows: 1, columns: 1 }))));
  if (shapes.size > 1) throw new Error('oneOf children must produce the same shape');
  return {
    name: 'OneOf',
    p,
    sample(rng: Rng, shape: Shape) {
      let r = rng.next() * total;
      let choice = 0;
      while (choice < children.length - 1 && (r -= children[choice].p) >= 0) choice++;
      return { choice, params: children[choice].sample(rng, shape) };
    },
    applyImage: (image, { choice, params }) => children[choice].applyImage(image, params),
    applyMask: (mask, { choice, params }) => children[choice].applyMask(mask, params),
    outputShape: (shape) => children[0].outputShape(shape),
  };
}
