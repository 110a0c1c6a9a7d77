// Wires encoder, decoder and heads into one graph, the way smp's SegmentationModel does: the decoder sees only
// the encoder's features (and so their channel counts), never the encoder's name.
import { GraphBuilder, type Value } from './builder';
import type { Encoder, EncoderOptions } from './encoders';
import type { GraphIR } from './ir';

export type AssemblySpec = {
  encoder: Encoder;
  encoderOptions: EncoderOptions;
  /** features → the decoder's last feature map */
  decode(b: GraphBuilder, features: Value[]): Value;
  /** decoder output → one logit per pixel */
  segmentationHead(b: GraphBuilder, decoded: Value): Value;
  /** encoder features → one logit per image, for models that have it */
  classificationHead?(b: GraphBuilder, features: Value[]): Value;
  /** [alias prefix, canonical prefix] pairs: state_dict paths that repeat shared modules */
  aliasPrefixes?: readonly (readonly [string, string])[];
};

export function assembleGraph(spec: AssemblySpec): GraphIR {
  const b = new GraphBuilder();
  const image = b.input('image', 3);
  const features = b.inPart('encoder', () => spec.encoder.build(b, image, spec.encoderOptions));
  const decoded = b.inPart('decoder', () => spec.decode(b, features));
  b.output('logits', b.inPart('head', () => spec.segmentationHead(b, decoded)), 'map');
  if (spec.classificationHead) {
    const head = spec.classificationHead;
    b.output('cls_logit', b.inPart('head', () => head(b, features)), 'vector');
  }
  for (const [alias, canonical] of spec.aliasPrefixes ?? []) b.aliasPrefix(alias, canonical);
  return b.build();
}

/**
 * Renames native module paths by their leading component(s): `[['layer1', 'encoder_stages.1.1']]` turns
 * `layer1.0.conv1` into `encoder_stages.1.1.0.conv1`. Every path must match one entry.
 */
export function renameByPrefix(table: readonly (readonly [string, string])[]): (path: string) => string {
  return (path) => {
    for (const [from, to] of table) {
      if (path === from || path.startsWith(`${from}.`)) return to + path.slice(from.length);
    }
    throw new Error(`no state_dict name mapped for encoder module ${path}`);
  };
}
