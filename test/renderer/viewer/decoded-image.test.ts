import { describe, expect, it } from 'vitest';
import type { DecodedImage, InstanceInfo } from '../../../main/api/contract';
import { assertDisplayable, describeDecodedImage, metadataModules } from '../../../renderer/viewer/decoded-image';
import { imageIdFor, instanceIdOf } from '../../../renderer/viewer/image-id';
import { instanceInfo } from '../../fixtures/instance-info';

function decodedImage(overrides: Partial<DecodedImage> = {}, info: Partial<InstanceInfo> = {}): DecodedImage {
  const rows = 3;
  const columns = 4;
  return {
    info: instanceInfo({
      path: '/data/a.dcm',
      sopInstanceUid: '1.2.3.4',
      studyInstanceUid: '1.2.3',
      seriesInstanceUid: '1.2.3.1',
      rows,
      columns,
      photometricInterpretation: 'MONOCHROME1',
      pixelSpacing: { row: 0.2, column: 0.15, source: 'ImagerPixelSpacing' },
      ...info,
    }),
    rows,
    columns,
    pixels: Float32Array.from({ length: rows * columns }, (_, i) => i * 10 - 100),
    minValue: -100,
    maxValue: 10,
    window: { center: -45, width: 110 },
    windowSource: 'full-range',
    invert: true,
    decodeMs: 4,
    ...overrides,
  };
}

describe('image ids', () => {
  it('round-trip an instance id', () => {
    expect(imageIdFor(42)).toBe('pleura:42');
    expect(instanceIdOf(imageIdFor(42))).toBe(42);
  });

  it('reject ids of other loaders, naming the expected form', () => {
    expect(() => instanceIdOf('wadouri:http://x/y.dcm')).toThrow(/expected pleura:<instanceId>/);
    expect(() => instanceIdOf('pleura:-1')).toThrow(/Not a Pleura image id/);
  });
});

describe('describeDecodedImage', () => {
  it('hands Cornerstone the decoded values as they are: no second rescale, the main process window and inversion', () => {
    const image = describeDecodedImage('pleura:7', decodedImage());
    expect(image).toMatchObject({
      imageId: 'pleura:7',
      rows: 3,
      columns: 4,
      width: 4,
      height: 3,
      slope: 1,
      intercept: 0,
      minPixelValue: -100,
      maxPixelValue: 10,
      windowCenter: -45,
      windowWidth: 110,
      invert: true,
      photometricInterpretation: 'MONOCHROME1',
      numberOfComponents: 1,
      color: false,
      rowPixelSpacing: 0.2,
      columnPixelSpacing: 0.15,
      sizeInBytes: 48,
      dataType: 'Float32Array',
    });
  });

  it('falls back to 1 mm spacing and MONOCHROME2 when the file has no spacing and needs no inversion', () => {
    const image = describeDecodedImage('pleura:1', decodedImage({ invert: false }, { pixelSpacing: null }));
    expect(image).toMatchObject({ rowPixelSpacing: 1, columnPixelSpacing: 1, invert: false, photometricInterpretation: 'MONOCHROME2' });
  });
});

describe('metadataModules', () => {
  it('describes the delivered pixels (32-bit float, grayscale) and the identifying tags', () => {
    const modules = metadataModules(decodedImage());
    expect(modules.imagePixelModule).toMatchObject({ bitsAllocated: 32, samplesPerPixel: 1, photometricInterpretation: 'MONOCHROME1' });
    expect(modules.imagePlaneModule).toMatchObject({ rows: 3, columns: 4, pixelSpacing: [0.2, 0.15], rowPixelSpacing: 0.2 });
    expect(modules.generalSeriesModule).toMatchObject({ modality: 'CR', seriesInstanceUID: '1.2.3.1', studyInstanceUID: '1.2.3' });
    expect(modules.modalityLutModule).toEqual({ rescaleSlope: 1, rescaleIntercept: 0 });
    expect(modules.voiLutModule).toEqual({ windowCenter: [-45], windowWidth: [110] });
  });

  it('leaves the spacing out when the file has none, so Cornerstone marks its default as a default', () => {
    expect(metadataModules(decodedImage({}, { pixelSpacing: null })).imagePlaneModule).not.toHaveProperty('pixelSpacing');
  });
});

describe('assertDisplayable', () => {
  it('accepts a well-formed image', () => {
    expect(() => assertDisplayable(decodedImage())).not.toThrow();
  });

  it('names what is wrong with a malformed one', () => {
    expect(() => assertDisplayable(decodedImage({ pixels: new Float32Array(5) }))).toThrow('5 pixels for 3x4 (expected 12)');
    expect(() => assertDisplayable(decodedImage({ pixels: [1, 2] as unknown as Float32Array }))).toThrow('pixels arrived as Array');
    expect(() => assertDisplayable(decodedImage({ window: { center: 0, width: 0 } }))).toThrow('window width 0 must be positive');
  });
});
