// Runs items through decode → infer → finish so that the stages overlap: the next image is decoded while the
// current one is in the model, and the previous one is post-processed and written while the current one is in the
// model too. Decoding runs ahead by at most `prefetch` images, so memory stays bounded whatever the folder's size.

export type Stage = 'decode' | 'infer' | 'finish';
/** When a stage ran for one item, in the units of the pipeline's clock. */
export type Span = { stage: Stage; index: number; start: number; end: number };

/** What finish receives for one item: its decoded form and inference, or the stage that failed and why. */
export type Outcome<D, R> = { ok: true; decoded: D; inferred: R } | { ok: false; stage: 'decode' | 'infer'; error: unknown };

export interface PipelineStages<I, D, R> {
  decode(item: I, index: number): Promise<D>;
  infer(decoded: D, index: number): Promise<R>;
  /** called once per item, in order; its synchronous part runs while the next item is in the model */
  finish(item: I, outcome: Outcome<D, R>, index: number): Promise<void>;
}

export interface PipelineOptions {
  /** decoded images held ahead of the one in the model (default 1) */
  prefetch?: number;
  /** time source for spans; tests inject a counter to check ordering without wall-clock thresholds */
  clock?: () => number;
  onSpan?: (span: Span) => void;
  /** when aborted, no further item enters the model: the one in it is finished, decodes ahead are dropped */
  signal?: AbortSignal;
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export async function runPipeline<I, D, R>(items: readonly I[], stages: PipelineStages<I, D, R>, options: PipelineOptions = {}): Promise<void> {
  const prefetch = Math.max(0, options.prefetch ?? 1);
  const clock = options.clock ?? (() => performance.now());
  const timed = async <T>(stage: Stage, index: number, work: () => Promise<T>): Promise<Settled<T>> => {
    const start = clock();
    try {
      return { ok: true, value: await work() };
    } catch (error) {
      return { ok: false, error };
    } finally {
      options.onSpan?.({ stage, index, start, end: clock() });
    }
  };

  // One decode at a time, each starting when the one before it ends: a decode starts as soon as the decoder is
  // free, never sits in a queue, and the decoder leaves the cores to the model when it is idle.
  const decodes = new Map<number, Promise<Settled<D>>>();
  const settledDecodes = new Set<number>();
  let lastDecode: Promise<unknown> = Promise.resolve();
  const startDecode = (index: number) => {
    if (index >= items.length || decodes.has(index)) return;
    const decode = lastDecode.then(() => timed('decode', index, () => stages.decode(items[index], index)));
    void decode.then(() => settledDecodes.add(index));
    decodes.set(index, decode);
    lastDecode = decode;
  };

  let pendingFinish: (() => Promise<void>) | null = null;
  const runPendingFinish = async () => {
    const finish = pendingFinish;
    pendingFinish = null;
    if (finish) await finish();
  };
  const finishLater = (index: number, outcome: Outcome<D, R>) => {
    pendingFinish = async () => {
      const done = await timed('finish', index, () => stages.finish(items[index], outcome, index));
      if (!done.ok) throw done.error;
    };
  };

  for (let index = 0; index < items.length && !options.signal?.aborted; index++) {
    for (let ahead = index; ahead <= index + prefetch; ahead++) startDecode(ahead);
    // Waiting for a decode is time the previous image's post-processing can use.
    if (!settledDecodes.has(index)) await runPendingFinish();
    const decoded = await decodes.get(index)!;
    decodes.delete(index);
    settledDecodes.delete(index);
    if (!decoded.ok) {
      await runPendingFinish();
      finishLater(index, { ok: false, stage: 'decode', error: decoded.error });
      continue;
    }
    const inferring = timed('infer', index, () => stages.infer(decoded.value, index));
    await runPendingFinish();
    const inferred = await inferring;
    finishLater(index, inferred.ok ? { ok: true, decoded: decoded.value, inferred: inferred.value } : { ok: false, stage: 'infer', error: inferred.error });
  }
  await runPendingFinish();
  // Decodes started ahead of an abort settle before returning, so the caller may close the decoder at once.
  await Promise.all(decodes.values());
}
