import { describe, expect, it } from 'vitest';
import { byPatientThenId, checkLabelFits, LabelError, resizeMaskNearest, summarise, toTrainingItem } from '../../../ml/train/dataset';

const plane = (rows: number, columns: number) => ({ rows, columns, data: new Float32Array(rows * columns).fill(80) });

describe('training items', () => {
  it('rejects a label whose size is not its image, naming the image', () => {
    expect(() => checkLabelFits('1.2.3', { rows: 64, columns: 32 }, { rows: 32, columns: 64 })).toThrow(LabelError);
    expect(() => checkLabelFits('1.2.3', { rows: 64, columns: 32 }, { rows: 32, columns: 64 })).toThrow(
      /^1\.2\.3: the label is 64x32 \(width x height\) but the image is 32x64/,
    );
  });

  it('resizes the image bilinearly and the mask by nearest neighbour, once, to the training size', () => {
    const mask = { rows: 4, columns: 4, data: Uint8Array.from([0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]) };
    const item = toTrainingItem({ id: 'a', patientId: 'p', image: plane(4, 4), mask }, 2);
    expect(item.image.rows).toBe(2);
    expect([...item.image.data]).toEqual([80, 80, 80, 80]);
    expect([...item.mask.data]).toEqual([0, 1, 0, 0]);
    expect(item.positive).toBe(true);
    expect(resizeMaskNearest(mask, 8, 8).data.filter((v) => v === 1)).toHaveLength(16);
  });

  it('orders items by patient, then by image id', () => {
    const items = [
      { id: '9', patientId: 'B' },
      { id: '2', patientId: 'A' },
      { id: '1', patientId: 'B' },
      { id: '0', patientId: 'C' },
    ];
    expect(items.sort(byPatientThenId).map((i) => `${i.patientId}/${i.id}`)).toEqual(['A/2', 'B/1', 'B/9', 'C/0']);
  });

  it('summarises counts, positives and patients', () => {
    const empty = { rows: 2, columns: 2, data: new Uint8Array(4) };
    const items = [
      toTrainingItem({ id: 'a', patientId: 'p1', image: plane(2, 2), mask: { ...empty, data: Uint8Array.from([1, 0, 0, 0]) } }, 2),
      toTrainingItem({ id: 'b', patientId: 'p1', image: plane(2, 2), mask: empty }, 2),
    ];
    expect(summarise('test', items, { skipped: 3, missing: ['x'] })).toEqual({ source: 'test', images: 2, positives: 1, patients: 1, skipped: 3, missing: ['x'] });
  });
});
