// The shape of a gradient rule: what the backward dispatcher hands each node's rule, and what the rule gives back.
import type { Shape } from '../../../models/shapes';

export type NodeGradientArgs = {
  /** ONNX names of the node's forward inputs and of its output */
  inputs: readonly string[];
  output: string;
  inputShapes: readonly Shape[];
  outputShape: Shape;
  /** what the forward pass saved for this node */
  saved: Readonly<Record<string, string>>;
  /** the gradient of the node's output */
  dy: string;
  /** per input: whether anything trainable lies behind it */
  needInputs: readonly boolean[];
  /** whether a parameter of this node trains */
  needParam: (name: string) => boolean;
};

/** Gradients of the node's inputs (undefined where not needed) and of its trainable parameters, by name. */
export type NodeGradients = {
  inputs: readonly (string | undefined)[];
  params?: ReadonlyArray<readonly [string, string]>;
};
