// Decoding off the main thread: a small pool of worker threads, each running the one decode path.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { DecodedImage, FileError } from '../api/contract';
import { spawnWorker } from '../workers/spawn';
import { DicomFileError } from './dicom/errors';

export type DecodeRequest = { id: number; path: string };
export type DecodeReply = { id: number; image: DecodedImage; error?: undefined } | { id: number; error: FileError; image?: undefined };

export interface DecodePool {
  /** Decodes frame 0 of a file; rejects with a DicomFileError carrying the file's error code. */
  decode(path: string): Promise<DecodedImage>;
  /** Stops the workers; pending and later decodes reject. */
  close(): Promise<void>;
}

interface Job {
  id: number;
  path: string;
  resolve: (image: DecodedImage) => void;
  reject: (error: Error) => void;
}

export function createDecodePool(options: { size?: number } = {}): DecodePool {
  const size = Math.max(1, options.size ?? Math.min(2, availableParallelism()));
  const idle: Worker[] = [];
  const busy = new Map<Worker, Job>();
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;

  function startWorker(): Worker {
    const worker = spawnWorker('studies/decode.worker');
    worker.on('message', (reply: DecodeReply) => {
      const job = busy.get(worker);
      if (!job || job.id !== reply.id) return;
      busy.delete(worker);
      if (reply.image) job.resolve(reply.image);
      else job.reject(new DicomFileError(reply.error.code, reply.error.path, reply.error.message));
      idle.push(worker);
      pump();
    });
    // A crashed worker (out of memory in a codec, say) fails its file only; a fresh worker takes its place.
    worker.on('error', (error) => retire(worker, error));
    worker.on('exit', (code) => retire(worker, new Error(`decode worker exited with code ${code}`)));
    return worker;
  }

  function retire(worker: Worker, cause: Error): void {
    const job = busy.get(worker);
    busy.delete(worker);
    const at = idle.indexOf(worker);
    if (at >= 0) idle.splice(at, 1);
    if (job) job.reject(new DicomFileError('decode-failed', job.path, `the decoder stopped: ${cause.message}`));
    if (!closed) pump();
  }

  function pump(): void {
    while (queue.length && !closed) {
      const worker = idle.pop() ?? (busy.size < size ? startWorker() : undefined);
      if (!worker) return;
      const job = queue.shift()!;
      busy.set(worker, job);
      worker.postMessage({ id: job.id, path: job.path } satisfies DecodeRequest);
    }
  }

  return {
    decode(path) {
      if (closed) return Promise.reject(new Error('the decode pool is closed'));
      return new Promise<DecodedImage>((resolve, reject) => {
        queue.push({ id: nextId++, path, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0)) job.reject(new Error('the decode pool is closed'));
      const workers = [...idle, ...busy.keys()];
      for (const job of busy.values()) job.reject(new Error('the decode pool is closed'));
      busy.clear();
      idle.length = 0;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
