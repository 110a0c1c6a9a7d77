// The training charts' axes: a domain that holds the data and the ticks along it. Linear axes step by 1, 2 or 5
// times a power of ten; the learning rate, which schedules change by decades, gets a log axis ticked at powers of ten.
export type Axis = { low: number; high: number; ticks: number[]; scale: 'linear' | 'log' };

/** The smallest 1, 2 or 5 × 10^k step that cuts `span` into at most `count` intervals. */
export function niceStep(span: number, count: number): number {
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw * (1 - 1e-9))!;
}

/** A linear axis from a multiple of the step at or below `low` to one at or above `high`; a flat series gets a span around it. */
export function linearAxis(low: number, high: number, count = 4): Axis {
  const span = high - low || Math.abs(high) || 1;
  const step = niceStep(span, count);
  const first = Math.floor(low / step + 1e-9);
  const last = Math.max(Math.ceil(high / step - 1e-9), first + 1);
  const ticks = Array.from({ length: last - first + 1 }, (_, k) => roundTo((first + k) * step, step));
  return { low: ticks[0], high: ticks.at(-1)!, ticks, scale: 'linear' };
}

/** A log axis over whole decades: from the power of ten at or below `low` to the one at or above `high`. */
export function logAxis(low: number, high: number): Axis {
  const from = Math.floor(Math.log10(low) + 1e-9);
  const to = Math.max(Math.ceil(Math.log10(high) - 1e-9), from + 1);
  // Parsed, not 10 ** k, which is off in the last bit for negative k.
  const ticks = Array.from({ length: to - from + 1 }, (_, k) => Number(`1e${from + k}`));
  return { low: ticks[0], high: ticks.at(-1)!, ticks, scale: 'log' };
}

/** The epoch axis: 0 to the run's epochs, ticked at whole epochs. */
export function epochAxis(epochs: number): Axis {
  const high = Math.max(1, epochs);
  const step = Math.max(1, niceStep(high, 6));
  const ticks = Array.from({ length: Math.floor(high / step) + 1 }, (_, k) => k * step);
  return { low: 0, high, ticks, scale: 'linear' };
}

/** Where `value` falls along the axis, 0 at its low end and 1 at its high end. */
export function axisFraction(axis: Axis, value: number): number {
  if (axis.scale === 'log') return (Math.log10(value) - Math.log10(axis.low)) / (Math.log10(axis.high) - Math.log10(axis.low));
  return (value - axis.low) / (axis.high - axis.low);
}

/** A tick's label: powers of ten as 1e-5, others with the decimals their step needs. */
export function tickLabel(axis: Axis, value: number): string {
  if (axis.scale === 'log') return `1e${Math.round(Math.log10(value))}`;
  const step = axis.ticks.length > 1 ? axis.ticks[1] - axis.ticks[0] : 1;
  return value.toFixed(Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
}

function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return Number(value.toFixed(decimals));
}
