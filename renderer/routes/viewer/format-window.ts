import type { VoiWindow } from '../../../main/api/contract';
import { formatNumber } from '../../app/format';

export function formatWindow(window: VoiWindow): string {
  const digits = Math.abs(window.width) < 10 ? 2 : 0;
  return `W ${formatNumber(window.width, digits)} / L ${formatNumber(window.center, digits)}`;
}
