// The mean teacher's consistency term in the ONNX step (ml/train/semi/mean-teacher.ts): the step's forward pass
// runs the labelled and the unlabelled images as one batch (BatchNorm sees both, as in Tarvainen & Valpola's
// batches), the supervised loss reads the first images' logits and the term the rest:
// w·mean((σ(x) − s)²) over the unlabelled pixels, s the teacher's probabilities fed as a constant, w the graph
// input `consistency_weight` (the ramp-up changes it each step). Its gradient is w·2(σ(x) − s)·σ'(x)/count.
import type { OnnxGraphBuilder } from '../../io/onnx-builder';
import type { Shape } from '../../models/shapes';
import { Scores } from './loss-terms';

/** Rows [from, to) of a tensor along its first axis. */
export function batchRows(b: OnnxGraphBuilder, value: string, from: number, to: number): string {
  return b.op('Slice', [value, b.int64s([from]), b.int64s([to]), b.int64s([0])]);
}

/** The term's value (w·MSE, a scalar) and its gradient with respect to the unlabelled logits. */
export function emitConsistency(b: OnnxGraphBuilder, logits: string, shape: Shape): { value: string; dLogits: string } {
  const [unlabelled] = shape;
  const softTarget = b.input('soft_target', [...shape]);
  const weight = b.input('consistency_weight', []);
  const count = shape.reduce((a, n) => a * n, 1);
  if (unlabelled < 1) throw new Error('the consistency term needs at least one unlabelled image');
  // Scores' σ is exact to an ulp (not onnxruntime's approximate Sigmoid); its target slot is unused here.
  const scores = new Scores(b, logits, softTarget, count);
  const error = b.op('Sub', [scores.p, softTarget]);
  const value = b.op('Mul', [weight, b.op('ReduceMean', [b.op('Mul', [error, error])], { keepdims: 0 })]);
  const dLogits = b.op('Mul', [b.op('Mul', [error, scores.slope]), b.op('Mul', [weight, b.floats([2 / count])])]);
  return { value, dLogits };
}
