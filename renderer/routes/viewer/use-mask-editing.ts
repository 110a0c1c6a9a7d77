// Editing the shown image's mask: the first brush or eraser click opens a mask editor (a Cornerstone labelmap)
// seeded with the overlay's mask; a new overlay (another image, or the saved review) closes it. Until then the
// mask shown is the overlay's.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { TriageOverlay } from '../../../main/api/contract';
import type { Mask } from '../../../ml/post/raster';
import { errorMessage } from '../../app/error-message';
import { openMaskEditor, type MaskEditor, type MaskEditorState } from '../../viewer/mask-editor';
import type { PrimaryTool } from '../../viewer/stack-mode';
import type { StackSession } from '../../viewer/stack-session';

export type MaskEditing = {
  tool: PrimaryTool;
  chooseTool: (tool: PrimaryTool) => void;
  /** the mask as edited so far, or the overlay's */
  mask: Mask | null;
  edited: boolean;
  canUndo: boolean;
  canRedo: boolean;
  undo: () => void;
  redo: () => void;
  /** the edited mask, read from the labelmap now */
  currentMask: () => Mask | null;
  problem: string | null;
};

export function useMaskEditing(session: StackSession | null, imageId: string | null, overlay: TriageOverlay | null): MaskEditing {
  const [tool, setTool] = useState<PrimaryTool>('window-level');
  const [state, setState] = useState<MaskEditorState | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const editor = useRef<MaskEditor | null>(null);
  const opening = useRef<Promise<MaskEditor> | null>(null);

  useEffect(() => {
    setState(null);
    setProblem(null);
    setTool('window-level');
    session?.setPrimaryTool('window-level');
    return () => {
      const open = opening.current;
      opening.current = null;
      editor.current = null;
      void open?.then((closing) => closing.close(), () => undefined);
    };
  }, [session, imageId, overlay]);

  const chooseTool = useCallback(
    (next: PrimaryTool) => {
      if (!session || !imageId || !overlay) return;
      setProblem(null);
      if (!opening.current && next !== 'window-level') {
        opening.current = openMaskEditor(session, imageId, overlay.mask, setState);
      }
      const open = opening.current;
      if (!open) {
        session.setPrimaryTool(next);
        setTool(next);
        return;
      }
      open.then(
        (ready) => {
          if (opening.current !== open) return;
          editor.current = ready;
          ready.setVisible(next !== 'window-level');
          session.setPrimaryTool(next);
          setTool(next);
        },
        (error: unknown) => {
          opening.current = null;
          setProblem(`The mask cannot be edited: ${errorMessage(error)}`);
        },
      );
    },
    [session, imageId, overlay],
  );

  return {
    tool,
    chooseTool,
    mask: state?.mask ?? overlay?.mask ?? null,
    edited: state?.edited ?? false,
    canUndo: state?.canUndo ?? false,
    canRedo: state?.canRedo ?? false,
    undo: useCallback(() => editor.current?.undo(), []),
    redo: useCallback(() => editor.current?.redo(), []),
    currentMask: useCallback(() => editor.current?.mask() ?? null, []),
    problem,
  };
}
