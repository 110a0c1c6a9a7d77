// Cornerstone is process-wide state: it is initialised once per page, with the Pleura loader and the tools the
// viewer's modes may bind. Everything per-viewport lives in a stack session (stack-session.ts).
import { init as initCore, imageLoader } from '@cornerstonejs/core';
import { addTool, init as initTools } from '@cornerstonejs/tools';
import type { ApiClient } from '../../main/api/contract';
import { imageScheme } from './image-id';
import { createPleuraImageLoader, registerMetadataProvider } from './image-loader';
import { viewerTools } from './stack-mode';

// Above Cornerstone's own providers, so our answers for pleura: images win.
const metadataPriority = 10_000;

let initialised = false;

export function initCornerstone(client: ApiClient): void {
  if (initialised) return;
  initCore();
  initTools();
  imageLoader.registerImageLoader(imageScheme, createPleuraImageLoader(client));
  registerMetadataProvider(metadataPriority);
  for (const tool of viewerTools) addTool(tool);
  initialised = true;
}
