// The inference pipeline: preprocessing handed to the engine, flip TTA, weighted ensembles, sizes and timings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferRadiograph, normaliseWeights, type InferenceModel } from '../../../ml/infer';
import { flipHorizontal, type Radiograph } from '../../../ml/preprocess';
import { loadEngine, type Engine, type EngineOutput } from '../../../ml/runtime';
import { CLS_MODEL, smallEngineModel } from '../../fixtures/small-models';

const logit = (p: number) => Math.log(p / (1 - p));

/** An engine with known outputs, recording what it was fed (the pipeline's arithmetic is tested against it). */
function knownEngine(pixelLogit: (x: number) => number, clsProbability?: number) {
  const calls: { batch: Float32Array; n: number; h: number; w: number }[] = [];
  const engine: Pick<Engine, 'predict'> = {
    async predict(batch, n, h, w): Promise<EngineOutput> {
      calls.push({ batch: batch.slice(), n, h, w });
      const plane = h * w;
      // Pixel-wise on channel 0: flip-equivariant, so TTA must leave its output unchanged.
      const logits = new Float32Array(n * plane);
      for (let k = 0; k < n; k++) for (let i = 0; i < plane; i++) logits[k * plane + i] = pixelLogit(batch[k * 3 * plane + i]);
      return clsProbability === undefined ? { logits } : { logits, clsLogits: new Float32Array(n).fill(logit(clsProbability)) };
    },
  };
  return { engine, calls };
}

function radiograph(rows: number, columns: number, value: (y: number, x: number) => number): Radiograph {
  const pixels = new Float32Array(rows * columns);
  for (let y = 0; y < rows; y++) for (let x = 0; x < columns; x++) pixels[y * columns + x] = value(y, x);
  return { rows, columns, pixels, window: { center: 128, width: 256 }, invert: false, eightBit: true };
}

const square = (size: number) => ({ rows: size, columns: size });
const fedAt = (engine: Pick<Engine, 'predict'>, size: number): InferenceModel => ({ engine, inputSize: square(size), normalisation: 'none' });
const maxDifference = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('with engines of known output', () => {
  it("feeds each model its input size and the card's normalisation, image and mirror in one batch", async () => {
    const plain = knownEngine(() => 0);
    const imagenet = knownEngine(() => 0);
    const image = radiograph(40, 30, () => 51);
    await inferRadiograph(
      image,
      [fedAt(plain.engine, 32), { engine: imagenet.engine, inputSize: { rows: 64, columns: 32 }, normalisation: 'imagenet' }],
      { ttaPasses: 'batched' },
    );
    expect(plain.calls.map(({ n, h, w }) => [n, h, w])).toEqual([[2, 32, 32]]);
    expect(imagenet.calls.map(({ n, h, w }) => [n, h, w])).toEqual([[2, 64, 32]]);
    expect(plain.calls[0].batch[0]).toBeCloseTo(0.2, 6);
    const plane = 64 * 32;
    expect(imagenet.calls[0].batch[0]).toBeCloseTo((0.2 - 0.485) / 0.229, 5);
    expect(imagenet.calls[0].batch[2 * plane]).toBeCloseTo((0.2 - 0.406) / 0.225, 5);
  });

  it('by default feeds the image and its mirror in two batch-1 passes, with the same result as one batch of 2', async () => {
    const logits = (x: number, k: number) => 5 * x - 2 + 0.01 * k; // depends on position: the mirror's map differs
    const calls: { n: number; first: number; firstRowEnd: number }[] = [];
    const engine: Pick<Engine, 'predict'> = {
      async predict(batch, n, h, w) {
        const plane = h * w;
        calls.push({ n, first: batch[0], firstRowEnd: batch[w - 1] });
        const out = new Float32Array(n * plane);
        for (let k = 0; k < n; k++) for (let i = 0; i < plane; i++) out[k * plane + i] = logits(batch[k * 3 * plane + i], i);
        return { logits: out, clsLogits: Float32Array.from({ length: n }, (_, k) => batch[k * 3 * plane]) };
      },
    };
    const image = radiograph(30, 40, (y, x) => (x * 6 + y) % 256);
    const separate = await inferRadiograph(image, [fedAt(engine, 32)]);
    expect(calls.map((c) => c.n)).toEqual([1, 1]);
    expect(calls[1].first).toBeCloseTo(calls[0].firstRowEnd, 6); // the second pass is the mirror
    const batched = await inferRadiograph(image, [fedAt(engine, 32)], { ttaPasses: 'batched' });
    expect(calls.map((c) => c.n)).toEqual([1, 1, 2]);
    expect(batched.probabilities.data).toEqual(separate.probabilities.data);
    expect(batched.classifierProbability).toBe(separate.classifierProbability);
    expect(maxDifference(separate.probabilities.data, (await inferRadiograph(image, [fedAt(engine, 32)], { tta: 'none' })).probabilities.data)).toBeGreaterThan(1e-3);
  });

  it('gives a flip-symmetric input under a flip-equivariant model the same map with and without TTA', async () => {
    const { engine, calls } = knownEngine((x) => 8 * x - 3);
    const image = radiograph(48, 48, (y, x) => (Math.abs(x - 23.5) * 7 + y * 3) % 256);
    const models = [fedAt(engine, 32)];
    const none = await inferRadiograph(image, models, { tta: 'none' });
    const hflip = await inferRadiograph(image, models, { tta: 'hflip' });
    expect(calls.map((c) => c.n)).toEqual([1, 1, 1]);
    expect(maxDifference(hflip.probabilities.data, none.probabilities.data)).toBeLessThan(1e-6);
  });

  it('flips the mirrored prediction back before averaging', async () => {
    // Logits grow to the right: the mirror's map, flipped back, equals the plain one only if un-flipped correctly.
    const { engine } = knownEngine((x) => 6 * x - 3);
    const image = radiograph(32, 32, (_y, x) => x * 8);
    const models = [fedAt(engine, 32)];
    const none = await inferRadiograph(image, models, { tta: 'none' });
    const hflip = await inferRadiograph(image, models, { tta: 'hflip' });
    expect(maxDifference(hflip.probabilities.data, none.probabilities.data)).toBeLessThan(1e-6);
  });

  it('honours the ensemble weights, for maps and for the classifier probability', async () => {
    const low = knownEngine(() => logit(0.2), 0.9);
    const high = knownEngine(() => logit(0.8), 0.5);
    const noCls = knownEngine(() => logit(0.8));
    const image = radiograph(50, 70, (y, x) => (x * y) % 256);
    const result = await inferRadiograph(image, [fedAt(low.engine, 32), fedAt(high.engine, 64)], { weights: [3, 2] });
    for (const v of result.probabilities.data) expect(v).toBeCloseTo(0.6 * 0.2 + 0.4 * 0.8, 5);
    expect(result.classifierProbability).toBeCloseTo(0.6 * 0.9 + 0.4 * 0.5, 6);

    // Only the models with a classification head vote on P(non-empty), with their weights renormalised.
    const mixed = await inferRadiograph(image, [fedAt(low.engine, 32), fedAt(noCls.engine, 32)], { weights: [1, 3] });
    for (const v of mixed.probabilities.data) expect(v).toBeCloseTo(0.25 * 0.2 + 0.75 * 0.8, 5);
    expect(mixed.classifierProbability).toBeCloseTo(0.9, 6);
    const without = await inferRadiograph(image, [fedAt(noCls.engine, 32)]);
    expect(without.classifierProbability).toBeNull();
  });

  it('stacks the classifiers\' P(non-empty) with the meta-model, and draws the map from the weighted segmenters only', async () => {
    const classifierA = knownEngine(() => logit(0.1), 0.75);
    const classifierB = knownEngine(() => logit(0.1), 0.5);
    const segmenter = knownEngine(() => logit(0.7));
    const image = radiograph(20, 20, (y, x) => (x * y) % 256);
    const models = [fedAt(classifierA.engine, 16), fedAt(segmenter.engine, 16), fedAt(classifierB.engine, 16)];
    // order: classifier B then A; z = -0.5 + 2·0.5 - 1·0.75 = -0.25
    const result = await inferRadiograph(image, models, { weights: [0, 1, 0], stacking: { classifiers: [2, 0], meta: { weights: [2, -1], bias: -0.5 } } });
    expect(result.classifierProbability).toBeCloseTo(1 / (1 + Math.exp(0.25)), 6);
    for (const v of result.probabilities.data) expect(v).toBeCloseTo(0.7, 5);
    expect(classifierA.calls).toHaveLength(2); // a weight-0 classifier still runs (both TTA views), for its score
    await expect(inferRadiograph(image, models, { weights: [0, 1, 0], stacking: { classifiers: [1], meta: { weights: [1], bias: 0 } } })).rejects.toThrow(
      'model 2 of the ensemble is a classifier of the stacking but gave no P(non-empty)',
    );
  });

  it('returns the map at the source size, or at the largest model size, with timings per phase', async () => {
    const a = knownEngine((x) => x);
    const b = knownEngine((x) => -x);
    const image = radiograph(50, 70, (y, x) => (x + y) % 256);
    const models: InferenceModel[] = [
      fedAt(a.engine, 32),
      { engine: b.engine, inputSize: { rows: 64, columns: 32 }, normalisation: 'none' },
    ];
    const source = await inferRadiograph(image, models);
    expect([source.probabilities.rows, source.probabilities.columns, source.probabilities.data.length]).toEqual([50, 70, 3500]);
    const model = await inferRadiograph(image, models, { output: 'model' });
    expect([model.probabilities.rows, model.probabilities.columns, model.probabilities.data.length]).toEqual([64, 32, 2048]);
    for (const v of source.probabilities.data) expect(v >= 0 && v <= 1).toBe(true);
    expect(Object.keys(source.timings).sort()).toEqual(['modelMs', 'postprocessMs', 'preprocessMs']);
    for (const ms of Object.values(source.timings)) expect(ms).toBeGreaterThanOrEqual(0);
  });

  it('rejects ensemble weights that do not fit the models', () => {
    expect(normaliseWeights(2, [3, 1])).toEqual([0.75, 0.25]);
    expect(normaliseWeights(3)).toEqual([1 / 3, 1 / 3, 1 / 3]);
    expect(() => normaliseWeights(2, [1])).toThrow('1 ensemble weights for 2 models');
    expect(() => normaliseWeights(2, [1, -1])).toThrow('finite and non-negative');
    expect(() => normaliseWeights(2, [0, 0])).toThrow('must not all be zero');
  });
});

describe('with a real model (unet34cls on onnxruntime)', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await loadEngine('onnx', smallEngineModel(CLS_MODEL), { onnx: { threads: 1 } });
  });
  afterAll(() => engine.dispose());

  const models = () => [fedAt(engine, 64)];
  const mirrored = (image: Radiograph): Radiograph => ({
    ...image,
    pixels: flipHorizontal({ rows: image.rows, columns: image.columns, data: image.pixels }).data,
  });

  it('commutes with flipping: TTA(flip(x)) = flip(TTA(x))', async () => {
    const image = radiograph(64, 64, (y, x) => (x * 13 + y * y * 3) % 256);
    const direct = await inferRadiograph(image, models());
    const ofMirror = await inferRadiograph(mirrored(image), models());
    expect(maxDifference(ofMirror.probabilities.data, flipHorizontal(direct.probabilities).data)).toBeLessThan(1e-5);
    expect(ofMirror.classifierProbability).toBeCloseTo(direct.classifierProbability!, 5);
    // Without TTA the model itself is not flip-equivariant, so the property above is TTA's doing.
    const plain = await inferRadiograph(image, models(), { tta: 'none' });
    const plainOfMirror = await inferRadiograph(mirrored(image), models(), { tta: 'none' });
    expect(maxDifference(plainOfMirror.probabilities.data, flipHorizontal(plain.probabilities).data)).toBeGreaterThan(1e-3);
  });

  it('returns a probability map and P(non-empty) in [0, 1] at the source size', async () => {
    const image = radiograph(100, 90, (y, x) => (x * 5 + y * 2) % 256);
    const result = await inferRadiograph(image, models());
    expect(result.probabilities.data).toHaveLength(100 * 90);
    for (const v of result.probabilities.data) expect(v >= 0 && v <= 1).toBe(true);
    expect(result.classifierProbability).toBeGreaterThan(0);
    expect(result.classifierProbability).toBeLessThan(1);
    expect(result.timings.modelMs).toBeGreaterThan(0);
  });
});
