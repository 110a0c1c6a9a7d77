// What every training loss takes and gives.
import type * as tf from '@tensorflow/tfjs';

/** The model's training outputs, NHWC: `logits` [N,H,W,1]; `clsLogit` [N,1] only for models with a classification head. */
export type LossOutputs = { logits: tf.Tensor4D; clsLogit?: tf.Tensor2D };

/** outputs and a 0/1 target mask shaped like the logits → a scalar loss (inside the caller's tape). */
export type LossFunction = (outputs: LossOutputs, target: tf.Tensor4D) => tf.Scalar;
