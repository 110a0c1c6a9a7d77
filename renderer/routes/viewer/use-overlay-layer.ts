// React glue for the overlay canvas: colours the heatmap once per overlay, traces the contour once per mask, and
// redraws on every render of the viewport and every change of what is shown.
import { useEffect, useMemo, type RefObject } from 'react';
import type { TriageOverlay } from '../../../main/api/contract';
import type { Mask } from '../../../ml/post/raster';
import { heatmapRgba } from '../../viewer/heatmap-colors';
import { maskOutline } from '../../viewer/mask-outline';
import { imageIdFor } from '../../viewer/image-id';
import { drawOverlay, followRenders, heatmapCanvas } from '../../viewer/overlay-layer';
import type { StackSession } from '../../viewer/stack-session';
import type { OverlayOptions } from './OverlayControls';

export function useOverlayLayer(
  canvasRef: RefObject<HTMLCanvasElement | null>,
  session: StackSession | null,
  overlay: TriageOverlay | null,
  mask: Mask | null,
  options: Pick<OverlayOptions, 'heatmap' | 'contour' | 'opacity'>,
): void {
  const heatmap = useMemo(() => {
    if (!overlay) return null;
    const { rows, columns } = overlay.heatmap;
    return heatmapCanvas(heatmapRgba(overlay.heatmap), rows, columns);
  }, [overlay]);
  const outline = useMemo(() => (mask ? maskOutline(mask) : null), [mask]);
  const { heatmap: heatmapVisible, contour: contourVisible, opacity } = options;

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || !session) return;
    const target = overlay && { imageId: imageIdFor(overlay.instanceId), rows: overlay.mask.rows, columns: overlay.mask.columns };
    const redraw = () => {
      if (target) drawOverlay(canvas, session.viewport, { ...target, heatmap, outline, heatmapVisible, contourVisible, opacity });
      else canvas.getContext('2d')?.clearRect(0, 0, canvas.width, canvas.height);
    };
    redraw();
    return followRenders(session.viewport.element, redraw);
  }, [canvasRef, session, overlay, heatmap, outline, heatmapVisible, contourVisible, opacity]);
}
