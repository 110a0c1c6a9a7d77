// The main-thread side of an inference worker: the Engine interface, with each call answered by the worker.
import type { Worker } from 'node:worker_threads';
import type { Engine, EngineDescription, EngineName, EngineOutput } from '../../ml/runtime/engine';
import { spawnWorker } from '../workers/spawn';
import type { ModelSource } from './model-source';
import { ownBuffer, type EngineReply, type EngineRequest, type LoadedEngine } from './protocol';

export type SpawnEngineOptions = {
  engine: EngineName;
  source: ModelSource;
  /** onnx intra-op threads; default every core */
  threads?: number;
};

export interface EngineClient extends Engine {
  /** what the worker loaded: architecture, the card's input, whether it has a classification head */
  readonly loaded: LoadedEngine;
}

type Pending = { resolve: (reply: EngineReply & { ok: true }) => void; reject: (error: Error) => void };
/** A request before the call layer numbers it (Omit applied to each member of the union). */
type Request = EngineRequest extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

/** Starts a worker and loads the model there; rejects with the worker's error when the model cannot be loaded. */
export async function spawnEngine(options: SpawnEngineOptions): Promise<EngineClient> {
  const worker = spawnWorker('inference/engine.worker');
  const calls = workerCalls(worker);
  try {
    const reply = await calls.send({ type: 'load', engine: options.engine, source: options.source, threads: options.threads });
    if (!('loaded' in reply)) throw new Error('the inference worker answered load with something else');
    return clientFor(reply.loaded, calls);
  } catch (error) {
    await calls.close();
    throw error;
  }
}

function clientFor(loaded: LoadedEngine, calls: ReturnType<typeof workerCalls>): EngineClient {
  return {
    loaded,
    describe: (): EngineDescription => ({ ...loaded.description, skipped: [...loaded.description.skipped] }),
    /** The batch's buffer is transferred to the worker: the caller's array is detached afterwards. */
    async predict(batch, n, h, w): Promise<EngineOutput> {
      const own = ownBuffer(batch);
      const reply = await calls.send({ type: 'predict', batch: own, n, h, w }, [own.buffer as ArrayBuffer]);
      if (!('output' in reply)) throw new Error('the inference worker answered predict with something else');
      return reply.output;
    },
    async dispose() {
      if (calls.closed()) return;
      await calls.send({ type: 'dispose' }).finally(() => calls.close());
    },
  };
}

/** Request/reply over one worker: replies matched by id; a worker that dies fails every call in flight. */
function workerCalls(worker: Worker) {
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let closed = false;
  const failAll = (error: Error) => {
    closed = true;
    for (const call of pending.values()) call.reject(error);
    pending.clear();
  };
  worker.on('message', (reply: EngineReply) => {
    const call = pending.get(reply.id);
    if (!call) return;
    pending.delete(reply.id);
    if (reply.ok) call.resolve(reply);
    else call.reject(new Error(reply.message));
  });
  worker.on('error', (error) => failAll(new Error(`the inference worker failed: ${error.message}`)));
  worker.on('exit', (code) => failAll(new Error(`the inference worker exited with code ${code}`)));
  return {
    send(request: Request, transfer: ArrayBuffer[] = []): Promise<EngineReply & { ok: true }> {
      if (closed) return Promise.reject(new Error('the inference worker was disposed'));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ ...request, id } as EngineRequest, transfer);
      });
    },
    closed: () => closed,
    async close() {
      closed = true;
      await worker.terminate();
    },
  };
}
