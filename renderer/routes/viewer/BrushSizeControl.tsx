// The brush's and eraser's diameter: a slider along the size ladder and its readout, in mm at the image's pixel
// spacing, or in image pixels (said so) where the file has none. Keys move the same slider (shortcuts.ts).
import { brushStepCount, formatBrushSize } from '../../viewer/brush-size';
import { keysOf } from './shortcuts';
import type { BrushSize } from './use-brush-size';

const meanings = {
  mm: 'Brush and eraser diameter, in mm at this image’s pixel spacing',
  px: 'Brush and eraser diameter, in image pixels: the file states no pixel spacing',
  none: 'Brush and eraser diameter, once an image is shown',
};

export function BrushSizeControl({ brush, disabled }: { brush: BrushSize; disabled: boolean }) {
  const { unit, step } = brush;
  const size = unit ? formatBrushSize(unit, step) : '—';
  const meaning = meanings[unit ?? 'none'];
  return (
    <label className="brush-size" title={`${meaning} (${keysOf('brush-smaller')} smaller, ${keysOf('brush-larger')} larger)`}>
      <span>Size</span>
      <input
        type="range"
        min={0}
        max={brushStepCount - 1}
        step={1}
        value={step}
        disabled={disabled}
        onChange={(event) => brush.setStep(Number(event.target.value))}
        data-testid="brush-size-slider"
        aria-label={meaning}
        aria-valuetext={size}
      />
      <span className="mono brush-size__value" data-testid="brush-size" data-unit={unit ?? ''}>
        {size}
        {unit === 'px' && <span className="muted"> (no spacing)</span>}
      </span>
    </label>
  );
}
