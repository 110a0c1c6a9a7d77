import { describe, expect, it } from 'vitest';
import { Rng } from '../../../../ml/random';
import {
  createTrainingAugmentation,
  createValidationTransform,
  elasticTransform,
  gridDistortion,
  horizontalFlip,
  opticalDistortion,
  randomBrightness,
  randomContrast,
  randomGamma,
  resize,
  shiftScaleRotate,
  type Mask,
  type Transform,
} from '../../../../ml/train/augment';
import type { Plane } from '../../../../ml/preprocess';
import { blobCentroid, squareScene } from './scenes';

type Entry = { transform: Transform<any>; identity?: { transform: Transform<any>; params: unknown } };

// One table drives every property test (albumentations' aug_definitions): a new transform gets them all.
const PHOTOMETRIC: Record<string, Entry> = {
  RandomContrast: { transform: randomContrast(), identity: { transform: randomContrast(), params: { alpha: 1 } } },
  RandomGamma: { transform: randomGamma(), identity: { transform: randomGamma(), params: { gamma: 1 } } },
  RandomBrightness: { transform: randomBrightness(), identity: { transform: randomBrightness(), params: { beta: 0 } } },
};
const GEOMETRIC: Record<string, Entry> = {
  HorizontalFlip: { transform: horizontalFlip() },
  ElasticTransform: {
    transform: elasticTransform({ alpha: 120, sigma: 6, alphaAffine: 3.6 }),
    identity: { transform: elasticTransform({ alpha: 0 }), params: { anchorShift: [0, 0, 0, 0, 0, 0], noiseSeed: 5 } },
  },
  GridDistortion: {
    transform: gridDistortion({ numSteps: 5, distortLimit: 0.3 }),
    identity: { transform: gridDistortion(), params: { xSteps: Array(6).fill(1), ySteps: Array(6).fill(1) } },
  },
  OpticalDistortion: {
    transform: opticalDistortion({ distortLimit: 2, shiftLimit: 0.5 }),
    identity: { transform: opticalDistortion(), params: { k: 0, dx: 0, dy: 0 } },
  },
  ShiftScaleRotate: {
    transform: shiftScaleRotate(),
    identity: { transform: shiftScaleRotate(), params: { angle: 0, scale: 1, dx: 0, dy: 0 } },
  },
  Resize: { transform: resize(72, 88), identity: { transform: resize(72, 88), params: null } },
};
const ALL = { ...PHOTOMETRIC, ...GEOMETRIC };

function run(transform: Transform<any>, image: Plane, mask: Mask, seed: number) {
  const params = transform.sample(new Rng(seed), image);
  return { params, image: transform.applyImage(image, params), mask: transform.applyMask(mask, params) };
}

describe('every transform', () => {
  const { image, mask } = squareScene(72, 88);

  it.each(Object.entries(ALL))('%s: the same seed gives the same output', (_, { transform }) => {
    const a = run(transform, image, mask, 11);
    const b = run(transform, image, mask, 11);
    expect(b.params).toEqual(a.params);
    expect(b.image.data).toEqual(a.image.data);
    expect(b.mask.data).toEqual(a.mask.data);
  });

  it.each(Object.entries(ALL).filter(([, e]) => e.identity))('%s: identity parameters give the input back', (_, e) => {
    const { transform, params } = e.identity!;
    const out = { image: transform.applyImage(image, params), mask: transform.applyMask(mask, params) };
    expect(out.image.rows).toBe(image.rows);
    for (let i = 0; i < image.data.length; i++) expect(Math.abs(out.image.data[i] - image.data[i])).toBeLessThan(1e-3);
    expect(out.mask.data).toEqual(mask.data);
  });

  it.each(Object.entries(ALL))('%s: image values stay within 0..255', (_, { transform }) => {
    for (const seed of [1, 2, 3]) {
      const out = run(transform, image, mask, seed).image.data;
      expect(Math.min(...out)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...out)).toBeLessThanOrEqual(255);
    }
  });
});

describe('photometric transforms', () => {
  const { image, mask } = squareScene(40, 40);
  it.each(Object.entries(PHOTOMETRIC))('%s leaves the mask unchanged and changes the image', (_, { transform }) => {
    const out = run(transform, image, mask, 4);
    expect(out.mask.data).toEqual(mask.data);
    expect(out.image.data).not.toEqual(image.data);
  });

  it('clips to [0, 255] and follows the albumentations formulas', () => {
    const plane = { rows: 1, columns: 3, data: new Float32Array([0, 128, 250]) };
    const contrast = randomContrast().applyImage(plane, { alpha: 1.2 }).data;
    expect([contrast[0], contrast[2]]).toEqual([0, 255]);
    expect(contrast[1]).toBeCloseTo(153.6, 3);
    expect([...randomBrightness().applyImage(plane, { beta: -0.1 }).data].map((v) => +v.toFixed(3))).toEqual([0, 102.5, 224.5]);
    const gamma = randomGamma().applyImage(plane, { gamma: 0.8 }).data;
    expect(gamma[1]).toBeCloseTo(255 * (128 / 255) ** 0.8, 3);
  });
});

describe('geometric transforms', () => {
  const { image, mask } = squareScene(96, 96);

  it.each(Object.entries(GEOMETRIC))('%s keeps the mask binary and moves it with the image', (_, { transform }) => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const out = run(transform, image, mask, seed);
      expect(out.mask.data.every((v) => v === 0 || v === 1)).toBe(true);
      const fromImage = blobCentroid(out.image, (v) => v > 127);
      const fromMask = blobCentroid(out.mask, (v) => v === 1);
      expect(fromMask.count).toBeGreaterThan(0);
      expect(Math.abs(fromMask.row - fromImage.row)).toBeLessThan(1.5);
      expect(Math.abs(fromMask.column - fromImage.column)).toBeLessThan(1.5);
      expect(Math.abs(fromMask.count - fromImage.count) / fromMask.count).toBeLessThan(0.15);
    }
  });

  it('HorizontalFlip mirrors each row (hand-checked)', () => {
    const flip = horizontalFlip();
    const plane = { rows: 2, columns: 3, data: new Float32Array([1, 2, 3, 4, 5, 6]) };
    const m = { rows: 2, columns: 3, data: new Uint8Array([1, 0, 0, 0, 0, 1]) };
    expect([...flip.applyImage(plane, null).data]).toEqual([3, 2, 1, 6, 5, 4]);
    expect([...flip.applyMask(m, null).data]).toEqual([0, 0, 1, 1, 0, 0]);
  });

  it('ShiftScaleRotate turns counter-clockwise for a positive angle, as cv2', () => {
    const { mask: m } = squareScene(64, 64, { top: 28, left: 48, size: 8 });
    const rotated = shiftScaleRotate().applyMask(m, { angle: 90, scale: 1, dx: 0, dy: 0 });
    const before = blobCentroid(m, (v) => v === 1);
    const after = blobCentroid(rotated, (v) => v === 1);
    // right of the centre (w/2, h/2) moves to above it
    expect(after.column).toBeCloseTo(32 + (before.row - 32), 0);
    expect(after.row).toBeCloseTo(32 - (before.column - 32), 0);
  });
});

describe('pipelines', () => {
  const { image, mask } = squareScene(96, 80);

  it('training augmentation: same seed same output, output at the requested size, image and mask aligned', () => {
    const aug = createTrainingAugmentation(64);
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const a = aug.apply({ image, mask }, new Rng(seed));
      const b = aug.apply({ image, mask }, new Rng(seed));
      expect(b.image.data).toEqual(a.image.data);
      expect(b.mask.data).toEqual(a.mask.data);
      expect([a.image.rows, a.image.columns, a.mask.rows, a.mask.columns]).toEqual([64, 64, 64, 64]);
      expect(a.mask.data.every((v) => v === 0 || v === 1)).toBe(true);
    }
  });

  it('one generator replays the same sequence from its saved state', () => {
    const aug = createTrainingAugmentation(48);
    const rng = new Rng(99);
    aug.apply({ image, mask }, rng);
    const saved = rng.state;
    const next = aug.apply({ image, mask }, rng);
    const replayed = aug.apply({ image, mask }, Rng.fromState(saved));
    expect(replayed.image.data).toEqual(next.image.data);
  });

  it('applies science.md probabilities: flip 0.5, photometric 0.3, distortion 0.3, ShiftScaleRotate 0.5, resize always', () => {
    const { transform } = createTrainingAugmentation(64);
    const rng = new Rng(2024);
    const draws = 4000;
    const applied = [0, 0, 0, 0, 0];
    const photometric = [0, 0, 0];
    const distortion = [0, 0, 0];
    for (let i = 0; i < draws; i++) {
      const steps = transform.sample(rng, { rows: 96, columns: 80 });
      steps.forEach((s, k) => s && applied[k]++);
      if (steps[1]) photometric[(steps[1].params as { choice: number }).choice]++;
      if (steps[2]) distortion[(steps[2].params as { choice: number }).choice]++;
    }
    const share = applied.map((n) => n / draws);
    [0.5, 0.3, 0.3, 0.5, 1].forEach((p, k) => expect(Math.abs(share[k] - p)).toBeLessThan(0.035));
    for (const counts of [photometric, distortion]) {
      const total = counts.reduce((a, b) => a + b, 0);
      for (const n of counts) expect(Math.abs(n / total - 1 / 3)).toBeLessThan(0.05);
    }
  });

  it('validation transform only resizes and draws nothing', () => {
    const rng = new Rng(5);
    const out = createValidationTransform(32).apply({ image, mask }, rng);
    expect([out.image.rows, out.image.columns, out.mask.rows, out.mask.columns]).toEqual([32, 32, 32, 32]);
    expect(rng.state).toBe(new Rng(5).state);
  });

  it('rejects a mask that does not fit its image, naming both sizes', () => {
    const small = { rows: 10, columns: 10, data: new Uint8Array(100) };
    expect(() => createTrainingAugmentation(32).apply({ image, mask: small }, new Rng(1))).toThrow(
      'mask is 10x10 but its image is 96x80',
    );
  });
});
