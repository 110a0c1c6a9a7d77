// One viewport's life, OHIF mode style: `openStackSession` enters (a viewport on the page's rendering engine, a
// tool group from the stack mode) and `close` exits in the reverse order, so nothing Cornerstone holds outlives the
// element.
import { Enums, utilities, type Types } from '@cornerstonejs/core';
import { BrushTool, ToolGroupManager, utilities as toolUtilities } from '@cornerstonejs/tools';
import type { VoiWindow } from '../../main/api/contract';
import { pageRenderingEngine } from './init';
import { maskTools, primaryBinding, primaryToolName, stackModeTools, type PrimaryTool } from './stack-mode';

export type ViewState = { window: VoiWindow | null; invert: boolean };

export interface StackSession {
  readonly viewport: Types.IStackViewport;
  /** what Cornerstone's synchronizers and segmentation state address the viewport by */
  readonly ref: { renderingEngineId: string; viewportId: string };
  /** Shows one image; resolves once it is loaded and rendered, with the display reset to the image's defaults. */
  show(imageId: string): Promise<void>;
  reset(): void;
  toggleInvert(): void;
  /** Shows the image through this window (a preset); the reviewer may drag it on from there. */
  setWindow(window: VoiWindow): void;
  /** Which tool the primary mouse button drives: window/level, or the mask brush or eraser. */
  setPrimaryTool(tool: PrimaryTool): void;
  /** The brush's and the eraser's radius in world units: millimetres where the image has a pixel spacing, else image pixels. */
  setBrushRadius(radius: number): void;
  close(): void;
}

let sessionCount = 0;

export function openStackSession(element: HTMLDivElement, onViewChange: (state: ViewState) => void): StackSession {
  // Unique ids: React may mount the same viewer twice (StrictMode, quick route changes) before the first closes.
  const id = `pleura-stack-${++sessionCount}`;
  const engine = pageRenderingEngine();
  engine.enableElement({
    viewportId: id,
    type: Enums.ViewportType.STACK,
    element,
    defaultOptions: { background: [0, 0, 0] },
  });
  const viewport = engine.getViewport(id) as Types.IStackViewport;
  // Cornerstone leaves the element out of the tab order (tabIndex -1); the viewer wants it reachable by keyboard.
  element.tabIndex = 0;
  // The viewer binds no Cornerstone keyboard tool, and Cornerstone's own keydown listener on the element calls
  // preventDefault on every key, Tab included, which trapped the focus there. Keys stop here, before it; the
  // viewer's shortcuts listen on the window in the capture phase, so they still see them.
  const keepKeysFromCornerstone = (event: KeyboardEvent) => event.stopImmediatePropagation();
  element.addEventListener('keydown', keepKeysFromCornerstone, { capture: true });

  const toolGroup = ToolGroupManager.createToolGroup(`${id}-tools`);
  if (!toolGroup) throw new Error(`Cornerstone tool group ${id}-tools already exists`);
  for (const { tool, bindings } of stackModeTools) {
    toolGroup.addTool(tool.toolName);
    toolGroup.setToolActive(tool.toolName, { bindings: [...bindings] });
  }
  for (const { instance, strategy } of Object.values(maskTools)) {
    toolGroup.addToolInstance(instance, BrushTool.toolName, { activeStrategy: strategy });
  }
  toolGroup.addViewport(id, engine.id);
  let primary: PrimaryTool = 'window-level';

  const publish = () => onViewChange(currentView(viewport));
  element.addEventListener(Enums.Events.VOI_MODIFIED, publish);
  const resizeObserver = new ResizeObserver(() => engine.resize(true, true));
  resizeObserver.observe(element);
  let closed = false;

  return {
    viewport,
    ref: { renderingEngineId: engine.id, viewportId: id },
    async show(imageId) {
      await viewport.setStack([imageId]);
      if (closed) return;
      viewport.render();
      publish();
    },
    reset() {
      viewport.resetProperties();
      viewport.resetCamera();
      viewport.render();
      publish();
    },
    toggleInvert() {
      viewport.setProperties({ invert: !viewport.getProperties().invert });
      viewport.render();
      publish();
    },
    setWindow({ center, width }) {
      viewport.setProperties({ voiRange: utilities.windowLevel.toLowHighRange(width, center) });
      viewport.render();
      publish();
    },
    setPrimaryTool(tool) {
      if (tool === primary) return;
      // Passive, not disabled: a tool left passive still shows nothing and keeps its configuration.
      toolGroup.setToolPassive(primaryToolName(primary));
      toolGroup.setToolActive(primaryToolName(tool), { bindings: primaryBinding });
      primary = tool;
    },
    setBrushRadius(radius) {
      toolUtilities.segmentation.setBrushSizeForToolGroup(toolGroup.id, radius);
    },
    close() {
      closed = true;
      resizeObserver.disconnect();
      element.removeEventListener(Enums.Events.VOI_MODIFIED, publish);
      element.removeEventListener('keydown', keepKeysFromCornerstone, { capture: true });
      ToolGroupManager.destroyToolGroup(toolGroup.id);
      // The engine is the page's and stays; only this viewport leaves it.
      engine.disableElement(id);
    },
  };
}

function currentView(viewport: Types.IStackViewport): ViewState {
  const { voiRange, invert } = viewport.getProperties();
  if (!voiRange) return { window: null, invert: !!invert };
  const { windowCenter, windowWidth } = utilities.windowLevel.toWindowLevel(voiRange.lower, voiRange.upper);
  return { window: { center: windowCenter, width: windowWidth }, invert: !!invert };
}
