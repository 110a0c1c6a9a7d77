// Running out of memory mid-training shows up as a RangeError from a typed-array allocation (JS heap), an abort
// from the WASM heap, or an OOM status from libtensorflow: all become one error that says what to change.
export class TrainingMemoryError extends Error {
  override name = 'TrainingMemoryError';
}

const OUT_OF_MEMORY = /array buffer allocation failed|invalid typed array length|out of memory|\boom\b|failed to allocate|cannot allocate|allocation failed|memory access out of bounds|resource ?exhausted/i;

export function isOutOfMemory(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return OUT_OF_MEMORY.test(error.message) || (error instanceof RangeError && /allocat/i.test(error.message));
}

/** Runs `work`; an out-of-memory failure is rethrown as a TrainingMemoryError suggesting a smaller size or batch. */
export async function withMemoryAdvice<T>(what: { arch: string; size: number; batchSize: number }, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!isOutOfMemory(error)) throw error;
    const smaller = what.batchSize > 1 ? `--batch ${Math.max(1, what.batchSize >> 1)} or ` : '';
    throw new TrainingMemoryError(
      `out of memory training ${what.arch} at ${what.size}x${what.size}, batch ${what.batchSize} (${(error as Error).message}); ` +
        `try ${smaller}--size ${Math.max(64, what.size >> 1)}, or close other programs`,
    );
  }
}
