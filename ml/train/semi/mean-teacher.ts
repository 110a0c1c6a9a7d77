// The 5th place's mean teacher (Tarvainen & Valpola, 2017): the teacher is an exponential moving average of the
// student's weights; each step adds weight(t)·MSE(σ(student(u)), σ(teacher(u))) on a batch of unlabelled images u
// to the supervised loss. The teacher's probabilities are computed by the engine before the step and enter the
// step as constant soft targets, as the paper's detached ema_logit does. Deviation: the teacher runs in eval mode
// (BatchNorm on the averaged running statistics), where the paper's code keeps its EMA model in train mode; the
// targets then do not depend on which images share the batch. The labelled and unlabelled images share the
// student's forward pass, as the paper's mixed batches do.
import { z } from 'zod';

export const MeanTeacherOption = z
  .object({
    /** teacher ← decay·teacher + (1 − decay)·student after every optimiser step */
    decay: z.number().gt(0).lt(1),
    /** the consistency term's weight once ramped up */
    weight: z.number().nonnegative(),
    /** optimiser steps of the sigmoid ramp-up exp(−5(1 − t/T)²); 0: the full weight from the first step */
    rampUpSteps: z.number().int().nonnegative(),
    /** unlabelled images per step, beside the labelled batch */
    batchSize: z.number().int().positive(),
  })
  .strict();
export type MeanTeacherOption = z.infer<typeof MeanTeacherOption>;

/**
 * Pleura's defaults. Decay 0.99 from the first step: the paper's value during ramp-up (it moves to 0.999 later, in
 * runs of 10⁵ steps, and starts with min(1 − 1/(t + 1), decay); a local run has a few thousand steps, and 0.999
 * would leave the teacher near its starting weights). Ramp-up: the
 * paper's sigmoid shape, over 500 steps rather than its 80 epochs. Weight 1 (the paper's 100 multiplies a squared
 * error summed over classes; here it is a mean over pixels): on `npm run bench -- semi` (16 labelled and 160
 * unlabelled phantoms, 800 steps, one seed) weight 10 scored +0.001 over the labelled images alone, weight 1 +0.050 (that bench's schedule
 * later proved uneven; over five seeds, with every run at the same steps, weight 1 gains +0.016 and +0.019 at 128 and −0.028 and −0.003 at 256: README). The student and the teacher see the same augmented view of an unlabelled image (the paper's two
 * independent views need a geometric transform the masks' pixels would follow; a shared view keeps the targets
 * aligned pixel for pixel): the consistency comes from the teacher being another, averaged model.
 */
export const MEAN_TEACHER_DEFAULTS: MeanTeacherOption = { decay: 0.99, weight: 1, rampUpSteps: 500, batchSize: 2 };

/** The consistency weight at 0-based optimiser step `step`: weight·exp(−5(1 − t)²), t = min(1, step/rampUpSteps). */
export function consistencyWeight(option: Pick<MeanTeacherOption, 'weight' | 'rampUpSteps'>, step: number): number {
  if (option.rampUpSteps === 0) return option.weight;
  const t = Math.min(1, Math.max(0, step) / option.rampUpSteps);
  return option.weight * Math.exp(-5 * (1 - t) ** 2);
}
