// The editable mask of the shown image: a Cornerstone labelmap segmentation on the stack viewport, painted by the
// BrushTool instances of the review mode (stack-mode.ts). The labelmap's pixels are the mask (0/1, row-major at the
// image size, like TriageOverlay.mask), so reading and replacing the mask is a copy, not a conversion.
// Undo is ours, not Cornerstone's global history: that history is one per page and would undo strokes on another
// image; here every stroke, ended by the mouse button's release, is a snapshot (the SIIM RLE text: compact, and
// equal for equal masks, so a stroke that changed nothing is no step).
import { cache, eventTarget, imageLoader } from '@cornerstonejs/core';
import { Enums as ToolEnums, segmentation } from '@cornerstonejs/tools';
import { decodeRle, encodeRle } from '../../ml/post/rle';
import type { Mask } from '../../ml/post/raster';
import type { StackSession } from './stack-session';
import { canRedo, canUndo, commit, redo, startHistory, undo, type History } from './undo-history';

export type MaskEditorState = { mask: Mask; canUndo: boolean; canRedo: boolean; edited: boolean };

export interface MaskEditor {
  /** The mask as it stands now (a copy). */
  mask(): Mask;
  undo(): void;
  redo(): void;
  /** Shows or hides the labelmap's fill (the contour is drawn by the overlay, from `mask()`). */
  setVisible(visible: boolean): void;
  close(): void;
}

let editorCount = 0;

export async function openMaskEditor(
  session: StackSession,
  imageId: string,
  initial: Mask,
  onChange: (state: MaskEditorState) => void,
): Promise<MaskEditor> {
  const segmentationId = `pleura-mask-${++editorCount}`;
  const [labelmap] = imageLoader.createAndCacheDerivedLabelmapImages([imageId]);
  const pixels = labelmap.voxelManager?.getScalarData();
  if (!(pixels instanceof Uint8Array)) throw new Error(`the labelmap of ${imageId} holds no 8-bit pixels`);
  if (pixels.length !== initial.data.length) {
    throw new Error(`the mask is ${initial.rows} x ${initial.columns}, the image ${labelmap.rows} x ${labelmap.columns}`);
  }
  pixels.set(initial.data);
  segmentation.addSegmentations([
    {
      segmentationId,
      representation: { type: ToolEnums.SegmentationRepresentations.Labelmap, data: { imageIds: [labelmap.imageId] } },
    },
  ]);
  const { viewportId } = session.ref;
  await segmentation.addLabelmapRepresentationToViewport(viewportId, [{ segmentationId }]);
  segmentation.segmentIndex.setActiveSegmentIndex(segmentationId, 1);
  segmentation.config.style.setStyle(
    { type: ToolEnums.SegmentationRepresentations.Labelmap, viewportId, segmentationId },
    { renderOutline: false, renderFill: true, fillAlpha: 0.25 },
  );

  const original = encodeRle(initial);
  let history: History<string> = startHistory(original);
  let dirty = false;
  const current = (): Mask => ({ rows: initial.rows, columns: initial.columns, data: pixels.slice() });
  const publish = () =>
    onChange({ mask: current(), canUndo: canUndo(history), canRedo: canRedo(history), edited: history.present !== original });
  const endStroke = () => {
    if (!dirty) return;
    dirty = false;
    history = commit(history, encodeRle(current()));
    publish();
  };
  const onModified = (event: Event) => {
    if ((event as CustomEvent<{ segmentationId: string }>).detail.segmentationId === segmentationId) dirty = true;
  };
  // After Cornerstone's own mouse-up handling, which may paint the stroke's last step.
  const onRelease = () => setTimeout(endStroke, 0);
  const { element } = session.viewport;
  eventTarget.addEventListener(ToolEnums.Events.SEGMENTATION_DATA_MODIFIED, onModified);
  element.addEventListener(ToolEnums.Events.MOUSE_UP, onRelease);
  element.addEventListener(ToolEnums.Events.MOUSE_CLICK, onRelease);

  const restore = (step: (from: History<string>) => History<string>) => {
    endStroke();
    const next = step(history);
    if (next === history) return;
    history = next;
    pixels.set(decodeRle(history.present, initial).data);
    segmentation.triggerSegmentationEvents.triggerSegmentationDataModified(segmentationId);
    dirty = false;
    publish();
  };

  return {
    mask: current,
    undo: () => restore(undo),
    redo: () => restore(redo),
    setVisible(visible) {
      segmentation.config.visibility.setSegmentationRepresentationVisibility(
        viewportId,
        { segmentationId, type: ToolEnums.SegmentationRepresentations.Labelmap },
        visible,
      );
    },
    close() {
      element.removeEventListener(ToolEnums.Events.MOUSE_UP, onRelease);
      element.removeEventListener(ToolEnums.Events.MOUSE_CLICK, onRelease);
      eventTarget.removeEventListener(ToolEnums.Events.SEGMENTATION_DATA_MODIFIED, onModified);
      segmentation.removeSegmentation(segmentationId);
      cache.removeImageLoadObject(labelmap.imageId);
    },
  };
}
