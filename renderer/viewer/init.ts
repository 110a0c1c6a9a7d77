// Cornerstone is process-wide state: it is initialised once per page, with the Pleura loader, the tools the
// viewer's modes may bind, and one rendering engine that every stack session enables its viewport on. Everything
// per-viewport lives in a stack session (stack-session.ts).
import { init as initCore, imageLoader, RenderingEngine } from '@cornerstonejs/core';
import { addTool, init as initTools } from '@cornerstonejs/tools';
import type { ApiClient } from '../../main/api/contract';
import { imageScheme } from './image-id';
import { createPleuraImageLoader, registerMetadataProvider } from './image-loader';
import { viewerTools } from './stack-mode';

// Above Cornerstone's own providers, so our answers for pleura: images win.
const metadataPriority = 10_000;

// Each rendering engine holds its own pool of WebGL contexts, which destroying it does not give back to the
// browser; with an engine per opened study Chromium passed its limit of 16 and dropped the oldest (24 opens gave
// 61 "Too many active WebGL contexts" warnings). One engine per page keeps the count constant, and two contexts
// are enough for the two viewports the viewer shows at most (image with mask, and the plain image beside it).
const webGlContextCount = 2;

let engine: RenderingEngine | null = null;

export function initCornerstone(client: ApiClient): void {
  if (engine) return;
  initCore({ rendering: { webGlContextCount }, debug: {} });
  initTools();
  imageLoader.registerImageLoader(imageScheme, createPleuraImageLoader(client));
  registerMetadataProvider(metadataPriority);
  for (const tool of viewerTools) addTool(tool);
  engine = new RenderingEngine('pleura-viewer');
}

/** The page's one rendering engine (after initCornerstone). */
export function pageRenderingEngine(): RenderingEngine {
  if (!engine) throw new Error('initCornerstone() must run before a viewport is opened');
  return engine;
}
