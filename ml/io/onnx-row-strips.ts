// Which part of a graph the ONNX export runs in horizontal strips, and how many rows of overlap that needs.
//
// Why: onnxruntime's peak memory is the graph's largest set of live tensors, and in every U-Net here that is the
// full-resolution tail after the last skip connection (AlbuNet at 1024: the upsampled 4nf-channel map, its
// convolution and their NCHWc copies, 512 MB each). That tail is a chain of local operations, so it can run over a few
// horizontal strips of its input, each with enough overlap that the rows it keeps are exactly the rows the whole map
// would give; the strips' kept rows are concatenated. Same arithmetic, a fraction of the memory.
import type { GraphIR, GraphNode, ValueName } from '../models';

export type StripPlan = {
  /** the value the strips are cut from: the input of the tail's first node */
  cut: ValueName;
  /** the tail, in execution order, ending at a map output */
  nodes: readonly GraphNode[];
  /** rows of overlap at each inner strip edge, in rows of `cut` */
  haloRows: number;
  /** output rows per row of `cut` (the tail's total upsampling) */
  scale: number;
};

/**
 * The chain of row-local nodes that ends at the graph's map output and starts with an upsampling or after it, read
 * by nothing outside the chain. Null when the graph has no such tail (no upsampling at its end), when striping
 * would save nothing.
 */
export function planRowStrips(ir: GraphIR): StripPlan | null {
  const maps = ir.outputs.filter((o) => o.kind === 'map');
  if (maps.length !== 1) return null;
  const producer = new Map(ir.nodes.map((n) => [n.output, n]));
  const readers = new Map<ValueName, number>();
  for (const node of ir.nodes) for (const input of node.inputs) readers.set(input, (readers.get(input) ?? 0) + 1);
  for (const output of ir.outputs) readers.set(output.value, (readers.get(output.value) ?? 0) + 1);

  const chain: GraphNode[] = [];
  let node = producer.get(maps[0].value);
  // Every value inside the chain must be read once, by the next node of the chain (the output by the graph).
  while (node && isRowLocal(node) && readers.get(node.output) === 1) {
    chain.unshift(node);
    node = producer.get(node.inputs[0]);
  }
  const firstUpsample = chain.findIndex((n) => n.op === 'upsample');
  if (firstUpsample < 0) return null;
  // Nodes before the first upsampling run at the cut's own (lower) resolution: leave them whole.
  const nodes = chain.slice(firstUpsample);
  const { rows, scale } = invalidRows(nodes);
  return { cut: nodes[0].inputs[0], nodes, haloRows: Math.ceil(rows / scale), scale };
}

/** One input, the same number of rows out as in (times an upsampling), each output row from nearby input rows. */
function isRowLocal(node: GraphNode): boolean {
  switch (node.op) {
    case 'relu':
    case 'sigmoid':
    case 'silu':
    case 'batchNorm':
    case 'upsample':
      return node.inputs.length === 1;
    case 'conv2d':
      return node.stride[0] === 1 && node.pad[0] + node.pad[2] === (node.kernel[0] - 1) * node.dilation[0];
    default:
      return false;
  }
}

/**
 * How many output rows next to a strip's cut edge differ from the whole map's, and the tail's scale. A convolution
 * reads `pad` rows past the edge (zeros in the strip, data in the whole map). An upsampling by s turns m wrong rows
 * into s·m for nearest; bilinear (half-pixel centres) reads source row ⌊(j + ½)/s − ½⌋ and the next, clamped at the
 * strip's edge, so output row j is right from j ≥ s·m + (s − 1)/2 on: s·m + ⌈(s − 1)/2⌉ wrong rows (2m + 1 for s = 2).
 */
export function invalidRows(nodes: readonly GraphNode[]): { rows: number; scale: number } {
  let rows = 0;
  let scale = 1;
  for (const node of nodes) {
    if (node.op === 'conv2d') rows += Math.max(node.pad[0], node.pad[2]);
    if (node.op === 'upsample') {
      rows = rows * node.scale + (node.mode === 'bilinear' ? Math.ceil((node.scale - 1) / 2) : 0);
      scale *= node.scale;
    }
  }
  return { rows, scale };
}
