// How much of a weights file Pleura reads, whatever the file declares: a file, a zip entry or a safetensors header
// past these is refused with a StateDictReadError before it is read or inflated.

/**
 * 1 GiB: six times the largest state dict of Pleura's architectures (scseunet, 41.2 M parameters, 165 MB in
 * float32), room for float64 files and training checkpoints that carry optimiser state beside the weights.
 */
export const MAX_WEIGHTS_FILE_BYTES = 2 ** 30;

/** safetensors' own reader refuses longer headers (MAX_HEADER_SIZE in the safetensors crate). */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

export interface ZipLimits {
  /** One entry's declared (inflated) size. */
  entryBytes: number;
  /** All entries' declared sizes together: what reading every entry could take. */
  totalBytes: number;
  /** Declared bytes per compressed byte of a deflated entry (of at least `ratioFrom` bytes) beyond which it is a bomb. */
  ratio: number;
  ratioFrom: number;
}

export const ZIP_LIMITS: ZipLimits = {
  entryBytes: MAX_WEIGHTS_FILE_BYTES,
  totalBytes: MAX_WEIGHTS_FILE_BYTES,
  // Weights deflate to about 0.9 of their size; only a large run of zeros (a fresh bias, a BatchNorm mean) goes past
  // 100:1, and such tensors are small. (Deflate's own maximum is 1032:1.)
  ratio: 100,
  ratioFrom: 2 ** 20,
};
