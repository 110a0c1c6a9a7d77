// What the image shows over it: the heatmap (on/off, opacity, its legend), the mask's contour, and the
// side-by-side layout (image | image with mask).
import type { PostProcessRule } from '../../../ml/post/rules';
import { ColormapLegend } from './ColormapLegend';
import { ToggleButton } from './ToggleButton';

export type OverlayOptions = { heatmap: boolean; contour: boolean; opacity: number; sideBySide: boolean };

export const defaultOverlayOptions: OverlayOptions = { heatmap: true, contour: true, opacity: 0.5, sideBySide: false };

type Props = { options: OverlayOptions; onChange: (options: OverlayOptions) => void; rule: PostProcessRule | null; available: boolean };

export function OverlayControls({ options, onChange, rule, available }: Props) {
  const set = (patch: Partial<OverlayOptions>) => onChange({ ...options, ...patch });
  return (
    <div className="toolbar overlay-controls" role="toolbar" aria-label="Overlay">
      <ToggleButton pressed={options.heatmap} disabled={!available} onToggle={() => set({ heatmap: !options.heatmap })} testId="heatmap-toggle" label="Show heatmap">
        Heatmap
      </ToggleButton>
      <label className="overlay-controls__opacity">
        <span>Opacity</span>
        <input
          type="range"
          min={0}
          max={1}
          step={0.05}
          value={options.opacity}
          disabled={!available || !options.heatmap}
          onChange={(event) => set({ opacity: Number(event.target.value) })}
          data-testid="opacity-slider"
          aria-label="Heatmap opacity"
          aria-valuetext={`${Math.round(options.opacity * 100)} %`}
        />
        <span className="mono overlay-controls__value">{Math.round(options.opacity * 100)} %</span>
      </label>
      <ColormapLegend rule={rule} />
      <ToggleButton pressed={options.contour} disabled={!available} onToggle={() => set({ contour: !options.contour })} testId="contour-toggle" label="Show mask contour">
        Contour
      </ToggleButton>
      <ToggleButton
        pressed={options.sideBySide}
        onToggle={() => set({ sideBySide: !options.sideBySide })}
        testId="side-by-side-toggle"
        label="Side by side: image and image with mask"
      >
        Side by side
      </ToggleButton>
    </div>
  );
}
