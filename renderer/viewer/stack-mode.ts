// The viewer's one mode, as data: which tool answers which mouse button. A session creates a tool group from it
// on enter and destroys that group on exit.
import { Enums, PanTool, WindowLevelTool, ZoomTool } from '@cornerstonejs/tools';

const { MouseBindings } = Enums;

export const stackModeTools = [
  { tool: WindowLevelTool, bindings: [{ mouseButton: MouseBindings.Primary }] },
  { tool: PanTool, bindings: [{ mouseButton: MouseBindings.Auxiliary }] },
  { tool: ZoomTool, bindings: [{ mouseButton: MouseBindings.Secondary }, { mouseButton: MouseBindings.Wheel }] },
] as const;
