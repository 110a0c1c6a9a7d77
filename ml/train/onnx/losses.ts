// The training step's loss: every LossSpec kind as ONNX nodes, with its gradient with respect to the logits (and
// cls_logit) written in closed form. The definitions are ml/train/losses (TF.js, the reference) and science.md.
import type { OnnxGraphBuilder } from '../../io/onnx-builder';
import type { LossSpec } from '../losses/spec';
import type { LossInputs, LossResult } from './contract';
import { lovaszTerm } from './loss-lovasz';
import { bceTerm, diceTerm, floored, focalTerm, Scores, weightedSum, type LossTerm } from './loss-terms';

/** ComboLoss's floor (ml/train/losses/combo.ts). */
const COMBO_FLOOR = 1e-5;

export function emitLoss(b: OnnxGraphBuilder, spec: LossSpec, inputs: LossInputs): LossResult {
  const { shape } = inputs;
  if (shape.length !== 4 || shape[1] !== 1) throw new Error(`the loss expects logits of shape [N,1,H,W], got [${shape.join(',')}]`);
  const pixels = new Scores(b, inputs.logits, inputs.target, shape.reduce((a, n) => a * n, 1));
  const one = b.floats([1]);
  const onLogits = (term: LossTerm): LossResult => ({ loss: term.value, dLogits: term.gradient(one) });
  switch (spec.kind) {
    case 'bce':
      return onLogits(bceTerm(pixels));
    case 'dice':
      return onLogits(diceTerm(pixels));
    case 'focal':
      return onLogits(focalTerm(pixels));
    case 'lovasz':
      return onLogits(lovaszTerm(pixels, shape));
    case 'combo': {
      const weighted = ([[bceTerm, spec.bce], [diceTerm, spec.dice], [focalTerm, spec.focal]] as const).filter(([, weight]) => weight !== 0);
      const sum = weightedSum(b, weighted.map(([term, weight]) => ({ term: term(pixels), weight })));
      return onLogits(floored(b, sum, COMBO_FLOOR));
    }
    case 'fourth-place':
      // 0.1·BCE(cls, non_empty) + 0.9·(3·BCE + Dice)
      return multiTask(b, inputs, spec.kind, { term: bceAndDice(b, pixels, 3), weight: 0.9 }, 0.1);
    case 'fifth-place':
      // BCE(cls, non_empty) + (1024·BCE + Dice)
      return multiTask(b, inputs, spec.kind, { term: bceAndDice(b, pixels, 1024), weight: 1 }, 1);
  }
}

function bceAndDice(b: OnnxGraphBuilder, pixels: Scores, bceWeight: number): LossTerm {
  return weightedSum(b, [
    { term: bceTerm(pixels), weight: bceWeight },
    { term: diceTerm(pixels), weight: 1 },
  ]);
}

/** clsWeight·BCE(cls_logit, non_empty) + segmentation.weight·segmentation. */
function multiTask(
  b: OnnxGraphBuilder,
  inputs: LossInputs,
  kind: LossSpec['kind'],
  segmentation: { term: LossTerm; weight: number },
  clsWeight: number,
): LossResult {
  if (inputs.clsLogit === undefined) {
    throw new Error(`the ${kind} loss needs the model's cls_logit output (a classification head, e.g. unet34cls), but the model gave only logits`);
  }
  const classification = bceTerm(new Scores(b, inputs.clsLogit, nonEmpty(b, inputs.target), inputs.shape[0]));
  const whole = weightedSum(b, [{ term: classification, weight: clsWeight }, segmentation]);
  return {
    loss: whole.value,
    dLogits: segmentation.term.gradient(b.floats([segmentation.weight])),
    dClsLogit: classification.gradient(b.floats([clsWeight])),
  };
}

/** 1 where the image's mask has any pixel set, else 0: [N, 1], the classification head's target. */
function nonEmpty(b: OnnxGraphBuilder, target: string): string {
  const largest = b.op('ReduceMax', [target], { axes: [2, 3], keepdims: 0 });
  return b.op('Cast', [b.op('Greater', [largest, b.floats([0])])], { to: 1 });
}
