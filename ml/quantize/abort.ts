/** The error a cancelled quantization rejects with: named AbortError, as fetch and the DOM name theirs. */
export function abortError(): Error {
  return Object.assign(new Error('quantization was cancelled'), { name: 'AbortError' });
}
