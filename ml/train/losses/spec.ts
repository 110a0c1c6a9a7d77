// LossSpec, the loss as plans and checkpoints write it down, and createLoss, which turns it into a function.
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { bceWithLogits } from './bce';
import { comboLoss } from './combo';
import { softDice } from './dice';
import { focal } from './focal';
import { lovaszHinge } from './lovasz';
import { fifthPlaceLoss, fourthPlaceLoss } from './multi-task';
import type { LossFunction } from './types';

const Weight = z.number().finite().nonnegative();

export const LossSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.enum(['bce', 'dice', 'focal', 'lovasz']) }).strict(),
  z
    .object({ kind: z.literal('combo'), bce: Weight, dice: Weight, focal: Weight })
    .strict()
    .refine((w) => w.bce + w.dice + w.focal > 0, 'a combo loss needs at least one positive weight'),
  z.object({ kind: z.literal('fourth-place') }).strict(),
  z.object({ kind: z.literal('fifth-place') }).strict(),
]);
export type LossSpec = z.infer<typeof LossSpec>;

/** Whether the loss reads the classification head's cls_logit: the trainer checks this against the architecture. */
export function requiresClsLogit(spec: LossSpec): boolean {
  return spec.kind === 'fourth-place' || spec.kind === 'fifth-place';
}

/** Validates the spec and returns the loss; a call checks that the logits and the target mask have the same shape. */
export function createLoss(spec: LossSpec): LossFunction {
  const parsed = LossSpec.safeParse(spec);
  if (!parsed.success) throw new Error(`invalid loss ${JSON.stringify(spec)}: ${z.prettifyError(parsed.error)}`);
  const loss = lossFor(parsed.data);
  return (outputs, target) => {
    checkTarget(outputs.logits, target);
    return loss(outputs, target);
  };
}

function lossFor(spec: LossSpec): LossFunction {
  switch (spec.kind) {
    case 'bce':
      return onLogits(bceWithLogits);
    case 'dice':
      return onLogits(softDice);
    case 'focal':
      return onLogits(focal);
    case 'lovasz':
      return onLogits(lovaszHinge);
    case 'combo':
      return onLogits(comboLoss(spec));
    case 'fourth-place':
      return fourthPlaceLoss;
    case 'fifth-place':
      return fifthPlaceLoss;
  }
}

function onLogits(loss: (logits: tf.Tensor4D, target: tf.Tensor4D) => tf.Scalar): LossFunction {
  return (outputs, target) => loss(outputs.logits, target);
}

function checkTarget(logits: tf.Tensor4D, target: tf.Tensor4D): void {
  if (logits.rank !== 4 || !tf.util.arraysEqual(logits.shape, target.shape)) {
    throw new Error(`the target mask must have the logits' shape [${logits.shape.join(',')}] (NHWC), got [${target.shape.join(',')}]`);
  }
}
