// DICOM files through the one decode path (decode pool → toRadiograph → toEightBit), a few at a time: the pool's
// workers decode in parallel while this thread resizes what came back.
import type { DecodedImage } from '../../api/contract';
import { toRadiograph } from '../../inference/radiograph';
import { createDecodePool } from '../../studies/decode-pool';
import { toEightBit, type Plane } from '../../../ml/preprocess';

export type DecodedPlane = { path: string; decoded: DecodedImage; plane: Plane };

/** Calls `use` for each file that decodes (in completion order); `failed` for each that does not. */
export async function decodeEach(
  paths: readonly string[],
  use: (image: DecodedPlane) => void,
  failed: (path: string, error: Error) => void,
): Promise<void> {
  const pool = createDecodePool();
  let next = 0;
  const lane = async () => {
    while (next < paths.length) {
      const path = paths[next++];
      let decoded: DecodedImage;
      try {
        decoded = await pool.decode(path);
      } catch (error) {
        failed(path, error as Error);
        continue;
      }
      use({ path, decoded, plane: toEightBit(toRadiograph(decoded)) });
    }
  };
  try {
    await Promise.all([lane(), lane(), lane()]);
  } finally {
    await pool.close();
  }
}
