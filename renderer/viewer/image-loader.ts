// The `pleura:` image loader: the main process decodes (one decode path for viewer and models), Cornerstone only
// receives the finished Float32 pixels. Metadata of every loaded image is kept for Cornerstone's providers.
import { Enums, metaData, utilities, type Types } from '@cornerstonejs/core';
import type { ApiClient, DecodedImage } from '../../main/api/contract';
import { assertDisplayable, describeDecodedImage, metadataModules } from './decoded-image';
import { instanceIdOf } from './image-id';

/** A decoded image without its pixels: what the viewer shows beside the viewport. */
export type DecodedSummary = Omit<DecodedImage, 'pixels'>;

const loaded = new Map<string, { summary: DecodedSummary; modules: Record<string, unknown> }>();

/** Metadata provider for Cornerstone: answers only for images this loader produced. */
function pleuraMetadataProvider(type: string, imageId: string): unknown {
  return loaded.get(imageId)?.modules[type];
}

/** The tags and display defaults of an image this loader has decoded (no second request for the metadata panel). */
export function decodedSummary(imageId: string): DecodedSummary | null {
  return loaded.get(imageId)?.summary ?? null;
}

export function createPleuraImageLoader(client: ApiClient): Types.ImageLoaderFn {
  return (imageId) => ({ promise: loadImage(client, imageId) });
}

async function loadImage(client: ApiClient, imageId: string): Promise<Types.IImage> {
  const decoded = await client.invoke('images.load', { instanceId: instanceIdOf(imageId) });
  assertDisplayable(decoded);
  const { pixels, ...summary } = decoded;
  loaded.set(imageId, { summary, modules: metadataModules(decoded) });
  const voxelManager = utilities.VoxelManager.createImageVoxelManager({
    width: decoded.columns,
    height: decoded.rows,
    numberOfComponents: 1,
    scalarData: pixels,
    id: imageId,
  });
  return {
    ...describeDecodedImage(imageId, decoded),
    voiLUTFunction: Enums.VOILUTFunctionType.LINEAR,
    getPixelData: () => pixels,
    getCanvas: () => {
      throw new Error(`${imageId}: Pleura images render through a viewport, not to a standalone canvas`);
    },
    voxelManager,
  };
}

export function registerMetadataProvider(priority: number): void {
  metaData.addProvider(pleuraMetadataProvider, priority);
}
