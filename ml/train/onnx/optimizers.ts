// The optimiser update at the end of the training step: torch.optim.Adam and torch.optim.SGD (1.13, single-tensor)
// as ONNX nodes. Each parameter is read from the graph input of its own name; its state comes in as `<param>:m`,
// `<param>:v` or `<param>:momentum` and leaves, like the parameter, with the suffix `:next` (contract.ts). These
// updates stream over every parameter each step (35 M for AlbuNet), and each elementwise node is one pass over
// memory, so they are written with as few full-size nodes as the arithmetic allows; scalar work is free.
import type { OnnxGraphBuilder } from '../../io/onnx-builder';
import type { OptimizerSpec } from './contract';

export type UpdatedParameter = { name: string; shape: readonly number[]; grad: string };

/** One parameter's update, given its state inputs by suffix: the `:next` values, the parameter's first. */
type Update = (param: UpdatedParameter, state: (suffix: string) => string) => string[];

/**
 * Declares the scalar inputs (`lr` for every step; torch's Adam reads it only through `adam_step_size`), each
 * parameter's state inputs and its `:next` outputs.
 */
export function emitOptimizerUpdate(b: OnnxGraphBuilder, spec: OptimizerSpec, params: readonly UpdatedParameter[]): void {
  const lr = b.input('lr', []);
  const update = spec.kind === 'adam' ? adam(b, spec) : sgd(b, spec, lr);
  for (const param of params) {
    const state = (suffix: string) => b.input(`${param.name}:${suffix}`, param.shape);
    for (const next of update(param, state)) b.output(next, param.shape);
  }
}

/** The gradient with L2 weight decay added, as torch's grad.add(param, alpha=weight_decay). */
function decayed(b: OnnxGraphBuilder, param: UpdatedParameter, weightDecay: number): string {
  if (weightDecay === 0) return param.grad;
  return b.op('Add', [param.grad, b.op('Mul', [param.name, b.floats([weightDecay])])]);
}

/**
 * m ← m + (1 − β1)(g − m) (exp_avg.lerp_), v ← β2·v + (1 − β2)·g², θ ← θ − s·m/(√v/c + ε) with s = adam_step_size
 * and c = adam_correction2_sqrt. The last is written θ − (s·c)·m/(√v + ε·c): the same number with the division by c
 * moved onto the scalars, one pass fewer. Next values: parameter, m, v.
 */
function adam(b: OnnxGraphBuilder, spec: Extract<OptimizerSpec, { kind: 'adam' }>): Update {
  const [beta1, beta2] = spec.betas;
  const stepSize = b.input('adam_step_size', []);
  const correction2Sqrt = b.input('adam_correction2_sqrt', []);
  const epsilon = b.op('Mul', [correction2Sqrt, b.floats([spec.eps])]);
  const rate = b.op('Mul', [stepSize, correction2Sqrt]);
  return (param, state) => {
    const { name } = param;
    const m = state('m');
    const v = state('v');
    const grad = decayed(b, param, spec.weightDecay);
    const mNext = b.op('Add', [m, b.op('Mul', [b.op('Sub', [grad, m]), b.floats([1 - beta1])])], {}, { name: `${name}:m:next` });
    const gradSquared = b.op('Mul', [b.op('Mul', [grad, grad]), b.floats([1 - beta2])]);
    const vNext = b.op('Add', [b.op('Mul', [v, b.floats([beta2])]), gradSquared], {}, { name: `${name}:v:next` });
    const direction = b.op('Div', [mNext, b.op('Add', [b.op('Sqrt', [vNext]), epsilon])]);
    return [b.op('Sub', [name, b.op('Mul', [direction, rate])], {}, { name: `${name}:next` }), mNext, vNext];
  };
}

/** θ ← θ − lr·buf, buf the momentum buffer (torch.optim.SGD, nesterov off). Next values: parameter, buffer. */
function sgd(b: OnnxGraphBuilder, spec: Extract<OptimizerSpec, { kind: 'sgd' }>, lr: string): Update {
  const firstStep = b.input('sgd_first_step', []);
  // Momentum 0 is plain SGD: torch keeps no buffer, this one passes the gradient through.
  const buffered: Buffered = spec.momentum === 0 ? (grad, _, name) => b.op('Identity', [grad], {}, { name }) : momentumBuffer(b, spec, firstStep);
  return (param, state) => {
    const bufferNext = buffered(decayed(b, param, spec.weightDecay), state('momentum'), `${param.name}:momentum:next`);
    return [b.op('Sub', [param.name, b.op('Mul', [bufferNext, lr])], {}, { name: `${param.name}:next` }), bufferNext];
  };
}

type Buffered = (grad: string, buffer: string, name: string) => string;

/**
 * buf ← g on a parameter's first step (sgd_first_step 1), else μ·buf + (1 − dampening)·g. Both are buf·a + g·c with
 * a = μ(1 − first), c = (1 − dampening)(1 − first) + first, so one graph serves every step; on the first step the
 * host feeds a zero buffer, which a = 0 then ignores.
 */
function momentumBuffer(b: OnnxGraphBuilder, spec: Extract<OptimizerSpec, { kind: 'sgd' }>, firstStep: string): Buffered {
  const later = b.op('Sub', [b.floats([1]), firstStep]);
  const keep = b.op('Mul', [later, b.floats([spec.momentum])]);
  // without dampening c is exactly 1, and the gradient needs no pass for it
  const take = spec.dampening === 0 ? undefined : b.op('Add', [b.op('Mul', [later, b.floats([1 - spec.dampening])]), firstStep]);
  return (grad, buffer, name) => {
    const incoming = take === undefined ? grad : b.op('Mul', [grad, take]);
    return b.op('Add', [b.op('Mul', [buffer, keep]), incoming], {}, { name });
  };
}
