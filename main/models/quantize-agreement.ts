// How closely an INT8 version says what its fp32 source says, on images neither was calibrated on: both run through
// the product's own inference (flip TTA, as triage runs by default, at each image's own size) and the one place a
// probability map becomes a mask and a flag (main/triage/verdict.ts, with the card's rule). Per image: the Dice
// between the two masks (both empty = 1, the challenge's rule), whether the flags agree, and the largest
// |p_fp32 − p_int8| anywhere on the map.
import { inferRadiograph, type InferenceModel, type TtaMode } from '../../ml/infer';
import type { Quantization } from '../../ml/io/model-card';
import { parseRle, runsScore, type PostProcessRule } from '../../ml/post';
import { toRadiograph } from '../inference/radiograph';
import { createDecodePool } from '../studies/decode-pool';
import { judgeImage } from '../triage/verdict';

export type Agreement = Omit<Quantization['agreement'], 'source'>;

/** One held-out image's figures. */
export type ImageAgreement = { dice: number; flagsAgree: boolean; maxProbabilityDifference: number };

export interface AgreementOptions {
  /** the held-out files, already known to decode and to lie within the intended use */
  paths: readonly string[];
  fp32: InferenceModel;
  int8: InferenceModel;
  rule: PostProcessRule;
  /** default 'hflip', triage's default */
  tta?: TtaMode;
  onImage?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export async function measureAgreement({ paths, fp32, int8, rule, tta = 'hflip', onImage, signal }: AgreementOptions): Promise<Agreement> {
  const pool = createDecodePool({ size: 1 });
  const figures: ImageAgreement[] = [];
  try {
    for (const path of paths) {
      signal?.throwIfAborted();
      const decoded = await pool.decode(path);
      const image = toRadiograph(decoded);
      const judged: { probabilities: Float32Array; verdict: ReturnType<typeof judgeImage> }[] = [];
      for (const model of [fp32, int8]) {
        const inference = await inferRadiograph(image, [model], { tta, output: 'source' });
        judged.push({ probabilities: inference.probabilities.data, verdict: judgeImage(decoded, inference.probabilities, inference.classifierProbability, rule) });
      }
      const size = { rows: decoded.rows, columns: decoded.columns };
      const [reference, quantized] = judged;
      figures.push({
        dice: runsScore(parseRle(reference.verdict.encodedPixels, size), parseRle(quantized.verdict.encodedPixels, size)),
        flagsAgree: reference.verdict.result.flag === quantized.verdict.result.flag,
        maxProbabilityDifference: largestDifference(reference.probabilities, quantized.probabilities),
      });
      onImage?.(figures.length, paths.length);
    }
  } finally {
    await pool.close();
  }
  return summariseAgreement(figures);
}

/** The figures over all images; there must be at least one. */
export function summariseAgreement(figures: readonly ImageAgreement[]): Agreement {
  if (figures.length === 0) throw new Error('agreement needs at least one held-out image');
  const dice = figures.map((f) => f.dice);
  const flagsAgree = figures.filter((f) => f.flagsAgree).length;
  return {
    images: figures.length,
    meanDice: dice.reduce((sum, d) => sum + d, 0) / dice.length,
    minDice: Math.min(...dice),
    flagsAgree,
    flagsTotal: figures.length,
    maxProbabilityDifference: Math.max(...figures.map((f) => f.maxProbabilityDifference)),
  };
}

function largestDifference(a: Float32Array, b: Float32Array): number {
  let largest = 0;
  for (let i = 0; i < a.length; i++) largest = Math.max(largest, Math.abs(a[i] - b[i]));
  return largest;
}
