// The brush's and eraser's size for the shown image: a step on the ladder (brush-size.ts), kept when the image
// changes, in the unit that image's pixel spacing allows, applied to the viewport's brush tools.
import { useCallback, useEffect, useState } from 'react';
import { brushRadius, brushUnit, clampBrushStep, defaultBrushStep, type BrushUnit } from '../../viewer/brush-size';
import type { DecodedSummary } from '../../viewer/image-loader';
import type { StackSession } from '../../viewer/stack-session';

export type BrushSize = {
  step: number;
  /** null until an image is shown: its pixel spacing decides */
  unit: BrushUnit | null;
  setStep: (step: number) => void;
  stepBy: (delta: number) => void;
};

export function useBrushSize(session: StackSession | null, image: DecodedSummary | null): BrushSize {
  const [step, setRawStep] = useState(defaultBrushStep);
  const unit = image ? brushUnit(image.info.pixelSpacing) : null;
  useEffect(() => {
    if (session && unit) session.setBrushRadius(brushRadius(unit, step));
  }, [session, unit, step]);
  const setStep = useCallback((next: number) => setRawStep(clampBrushStep(next)), []);
  const stepBy = useCallback((delta: number) => setRawStep((now) => clampBrushStep(now + delta)), []);
  return { step, unit, setStep, stepBy };
}
