// The machine and the engines as the settings panel shows them beside the engine choice.
import type { EngineChoice, SystemInfo } from '../../../main/api/contract';
import { formatNumber } from '../../app/format';

type Engine = SystemInfo['engines'][number];

export const engineChoices: { value: EngineChoice; label: string }[] = [
  { value: 'auto', label: 'Automatic (the fastest engine available here)' },
  { value: 'onnx', label: 'ONNX Runtime' },
  { value: 'tfjs', label: 'TensorFlow.js' },
];

export function formatMemory(bytes: number): string {
  return `${formatNumber(bytes / 1024 ** 3, 1)} GiB`;
}

export function hardwareLine({ cpu, memoryBytes, platform }: SystemInfo): string {
  return `${cpu.model}, ${cpu.cores} core${cpu.cores === 1 ? '' : 's'}, ${formatMemory(memoryBytes)} memory, ${platform}`;
}

/** One engine in words: what it runs on here (main's words, e.g. "CUDA not found on this machine — running on CPU"), or why it cannot run. */
export function engineLine(engine: Engine): string {
  const name = engineChoices.find((choice) => choice.value === engine.name)?.label ?? engine.name;
  if (!engine.available) return engine.detail ? `${name}: not available (${engine.detail})` : `${name}: not available`;
  return `${name}: ${engine.detail || `running on ${engine.backend ?? 'an unknown backend'}`}`;
}

/** Why a chosen engine will not run, or null when it will (or when auto picks among the others). */
export function engineProblem(choice: EngineChoice, engines: readonly Engine[]): string | null {
  if (choice === 'auto') return engines.some((engine) => engine.available) ? null : 'No engine is available on this machine.';
  const engine = engines.find((candidate) => candidate.name === choice);
  if (!engine) return `This machine reports nothing about ${choice}.`;
  return engine.available ? null : `${engine.name} is not available here: ${engine.detail}`;
}
