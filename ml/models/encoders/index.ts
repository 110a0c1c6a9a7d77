// The encoder registry: plain records merged behind one lookup, as smp's `get_encoder`.
import { efficientnetEncoders } from './efficientnet';
import { resnetEncoders } from './resnet';
import { senetEncoders } from './senet';
import type { Encoder } from './types';

export type { Encoder, EncoderOptions } from './types';

const ENCODERS: Readonly<Record<string, Encoder>> = { ...resnetEncoders, ...senetEncoders, ...efficientnetEncoders };

export function encoderNames(): string[] {
  return Object.keys(ENCODERS);
}

export function getEncoder(name: string): Encoder {
  const encoder = ENCODERS[name];
  if (!encoder) throw new Error(`unknown encoder "${name}"; valid encoders: ${encoderNames().join(', ')}`);
  return encoder;
}
