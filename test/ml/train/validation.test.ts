// Validation scores the model's maps with the challenge metric: a model certain of pneumothorax everywhere scores
// 1 on a fully positive film and 0 on an empty one; certain of nothing, the reverse.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initialWeights } from '../../../ml/models';
import { TfjsGraphModel } from '../../../ml/runtime/tfjs-graph';
import type { TrainingItem } from '../../../ml/train/dataset';
import { validate } from '../../../ml/train/validation';
import { tfjsProbabilities } from '../../../ml/train/engines/tfjs';
import { toyModel } from '../../fixtures/toy-training';

const SIZE = 32;

function item(id: string, full: boolean): TrainingItem {
  const mask = { rows: SIZE, columns: SIZE, data: new Uint8Array(SIZE * SIZE).fill(full ? 1 : 0) };
  return { id, patientId: id, image: { rows: SIZE, columns: SIZE, data: new Float32Array(SIZE * SIZE).fill(100) }, mask, positive: full };
}

/** The toy model with its head outputting `bias` everywhere. */
function constantModel(bias: number): TfjsGraphModel {
  const definition = toyModel();
  const weights = initialWeights(definition.graph, 1);
  weights.get('head.weight')!.fill(0);
  weights.get('head.bias')!.fill(bias);
  return TfjsGraphModel.fromWeights(definition, weights);
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('validate', () => {
  const items = [item('full', true), item('empty', false), item('full-2', true)];

  it('scores every image with the default triple threshold and searches the grid', async () => {
    const sure = constantModel(10);
    const result = await validate(tfjsProbabilities(sure), items, { batchSize: 2 });
    expect(result.images).toBe(3);
    expect(result.dice).toBeCloseTo(2 / 3, 10);
    expect(result.best.score).toBeCloseTo(2 / 3, 10);
    sure.dispose();
  });

  it('gives the reverse for a model that never finds anything', async () => {
    const never = constantModel(-10);
    const result = await validate(tfjsProbabilities(never), items, { batchSize: 2 });
    expect(result.dice).toBeCloseTo(1 / 3, 10);
    never.dispose();
  });

  it('picks the triplet whose minimum area separates the maps', async () => {
    // p = sigmoid(0.5) ≈ 0.62 everywhere: above top 0.6, below 0.75. The full films pass (0.6, *, *): score 2/3.
    const unsure = constantModel(0.5);
    const result = await validate(tfjsProbabilities(unsure), items, { batchSize: 3 });
    expect(result.dice).toBeCloseTo(1 / 3, 10);
    expect(result.best.top).toBe(0.6);
    expect(result.best.score).toBeCloseTo(2 / 3, 10);
    unsure.dispose();
  });
});
