// One viewport's life, OHIF mode style: `openStackSession` enters (rendering engine, enabled element, tool group
// from the stack mode) and `close` exits in the reverse order, so nothing Cornerstone holds outlives the element.
import { Enums, RenderingEngine, utilities, type Types } from '@cornerstonejs/core';
import { ToolGroupManager } from '@cornerstonejs/tools';
import type { VoiWindow } from '../../main/api/contract';
import { stackModeTools } from './stack-mode';

export type ViewState = { window: VoiWindow | null; invert: boolean };

export interface StackSession {
  /** Shows one image; resolves once it is loaded and rendered, with the display reset to the image's defaults. */
  show(imageId: string): Promise<void>;
  reset(): void;
  toggleInvert(): void;
  close(): void;
}

let sessionCount = 0;

export function openStackSession(element: HTMLDivElement, onViewChange: (state: ViewState) => void): StackSession {
  // Unique ids: React may mount the same viewer twice (StrictMode, quick route changes) before the first closes.
  const id = `pleura-stack-${++sessionCount}`;
  const engine = new RenderingEngine(`${id}-engine`);
  engine.enableElement({
    viewportId: id,
    type: Enums.ViewportType.STACK,
    element,
    defaultOptions: { background: [0, 0, 0] },
  });
  const viewport = engine.getViewport(id) as Types.IStackViewport;

  const toolGroup = ToolGroupManager.createToolGroup(`${id}-tools`);
  if (!toolGroup) throw new Error(`Cornerstone tool group ${id}-tools already exists`);
  for (const { tool, bindings } of stackModeTools) {
    toolGroup.addTool(tool.toolName);
    toolGroup.setToolActive(tool.toolName, { bindings: [...bindings] });
  }
  toolGroup.addViewport(id, engine.id);

  const publish = () => onViewChange(currentView(viewport));
  element.addEventListener(Enums.Events.VOI_MODIFIED, publish);
  const resizeObserver = new ResizeObserver(() => engine.resize(true, true));
  resizeObserver.observe(element);
  let closed = false;

  return {
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
    close() {
      closed = true;
      resizeObserver.disconnect();
      element.removeEventListener(Enums.Events.VOI_MODIFIED, publish);
      ToolGroupManager.destroyToolGroup(toolGroup.id);
      engine.disableElement(id);
      engine.destroy();
    },
  };
}

function currentView(viewport: Types.IStackViewport): ViewState {
  const { voiRange, invert } = viewport.getProperties();
  if (!voiRange) return { window: null, invert: !!invert };
  const { windowCenter, windowWidth } = utilities.windowLevel.toWindowLevel(voiRange.lower, voiRange.upper);
  return { window: { center: windowCenter, width: windowWidth }, invert: !!invert };
}
