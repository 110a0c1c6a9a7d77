// system.info: the machine beside the engine choice. The engine probe runs once per process in a worker (it loads
// native libraries and WebAssembly); the answer is kept, since what is installed does not change while Pleura runs.
import os from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { rulePresets } from '../../ml/post/rules';
import type { SystemInfo } from '../api/contract';
import { runWorkerOnce } from '../workers/run-once';
import type { EngineReport } from './engine-probe';

export function machineInfo(): Omit<SystemInfo, 'engines'> {
  const cpus = os.cpus();
  return {
    cpu: { model: cpus[0]?.model.trim() || 'unknown', cores: os.availableParallelism() },
    memoryBytes: os.totalmem(),
    platform: `${process.platform} ${os.release()} (${process.arch})`,
    rulePresets,
  };
}

/** How long closing waits for a probe in progress: one small session and the TF.js backend's choice, seconds at most. */
const PROBE_CLOSE_WAIT_MS = 30_000;

export interface SystemInfoSource {
  info(): Promise<SystemInfo>;
  close(): Promise<void>;
}

export function createSystemInfo(): SystemInfoSource {
  let probe: ReturnType<typeof runWorkerOnce<EngineReport[]>> | undefined;
  return {
    async info() {
      probe ??= runWorkerOnce<EngineReport[]>('settings/engine-probe.worker', {});
      const running = probe;
      // A probe that died is tried afresh on the next call rather than remembered.
      const engines = await running.result.catch((error: unknown) => {
        if (probe === running) probe = undefined;
        throw error;
      });
      return { ...machineInfo(), engines };
    },
    async close() {
      if (!probe) return;
      // The probe starts an onnxruntime session, and ending its thread while onnxruntime works for it aborts the
      // whole process (see ml/runtime/onnx-engine.ts): let it answer first, unless it hangs.
      await Promise.race([probe.result.catch(() => undefined), delay(PROBE_CLOSE_WAIT_MS, undefined, { ref: false })]);
      await probe.terminate();
    },
  };
}
