// The viewer's modes, as data: which tool answers which mouse button. A session creates a tool group from the
// stack mode on enter and destroys that group on exit; the review mode rebinds the primary button to the brush or
// the eraser (two instances of Cornerstone's BrushTool with different strategies) while a mask is edited.
import { BrushTool, Enums, PanTool, WindowLevelTool, ZoomTool } from '@cornerstonejs/tools';

const { MouseBindings } = Enums;

export const stackModeTools = [
  { tool: WindowLevelTool, bindings: [{ mouseButton: MouseBindings.Primary }] },
  { tool: PanTool, bindings: [{ mouseButton: MouseBindings.Auxiliary }] },
  { tool: ZoomTool, bindings: [{ mouseButton: MouseBindings.Secondary }, { mouseButton: MouseBindings.Wheel }] },
] as const;

/** The tool classes the viewer registers with Cornerstone once per page. */
export const viewerTools = [...stackModeTools.map(({ tool }) => tool), BrushTool];

export type PrimaryTool = 'window-level' | 'brush' | 'eraser';

/** The mask-editing tools: instance name and brush strategy. */
export const maskTools = {
  brush: { instance: 'PleuraBrush', strategy: 'FILL_INSIDE_CIRCLE' },
  eraser: { instance: 'PleuraEraser', strategy: 'ERASE_INSIDE_CIRCLE' },
} as const;

export function primaryToolName(tool: PrimaryTool): string {
  return tool === 'window-level' ? WindowLevelTool.toolName : maskTools[tool].instance;
}

export const primaryBinding = [{ mouseButton: MouseBindings.Primary }];
