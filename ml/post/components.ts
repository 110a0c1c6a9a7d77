// Connected regions of a mask, 8-connected: pixels that touch at a corner belong together. A thresholded
// pneumothorax is often a thin crescent along the pleural line whose edge steps diagonally; with 4-connectivity it
// would fall apart into slivers that the small-region filter then throws away. It is also how OpenCV's contour
// tracing, which the challenge's region filters were built on, follows a border.
import { checkRaster, type Mask, type Size } from './raster';

/** Inclusive pixel bounds. */
export interface BoundingBox {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

export interface Component {
  /** 1-based; components are numbered in the raster order of their first pixel */
  label: number;
  /** pixels */
  area: number;
  box: BoundingBox;
  /** mean row and column of the region's pixels */
  centroid: { row: number; column: number };
}

export interface Components extends Size {
  /** row-major; 0 is background, otherwise the pixel's component label */
  labels: Int32Array;
  /** components[i].label === i + 1 */
  components: Component[];
}

/** Two-pass labelling with union-find: one raster pass with provisional labels, one pass resolving them. */
export function connectedComponents(mask: Mask): Components {
  checkRaster(mask, 'mask');
  const { rows, columns, data } = mask;
  const labels = new Int32Array(rows * columns);
  const sets = new LabelSets();
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      const i = row * columns + column;
      if (data[i] === 0) continue;
      // The neighbours already visited: west, north-west, north, north-east.
      let label = column > 0 ? sets.join(0, labels[i - 1]) : 0;
      if (row > 0) {
        const up = i - columns;
        if (column > 0) label = sets.join(label, labels[up - 1]);
        label = sets.join(label, labels[up]);
        if (column < columns - 1) label = sets.join(label, labels[up + 1]);
      }
      labels[i] = label === 0 ? sets.add() : label;
    }
  }

  const finalLabel = new Int32Array(sets.count + 1);
  const components: Component[] = [];
  const rowSums: number[] = [];
  const columnSums: number[] = [];
  for (let row = 0; row < rows; row++) {
    for (let column = 0; column < columns; column++) {
      const i = row * columns + column;
      if (labels[i] === 0) continue;
      const root = sets.find(labels[i]);
      if (finalLabel[root] === 0) {
        components.push({ label: components.length + 1, area: 0, box: { top: row, left: column, bottom: row, right: column }, centroid: { row: 0, column: 0 } });
        rowSums.push(0);
        columnSums.push(0);
        finalLabel[root] = components.length;
      }
      const label = finalLabel[root];
      labels[i] = label;
      const component = components[label - 1];
      component.area++;
      rowSums[label - 1] += row;
      columnSums[label - 1] += column;
      const { box } = component;
      if (column < box.left) box.left = column;
      if (column > box.right) box.right = column;
      box.bottom = row;
    }
  }
  for (const component of components) {
    component.centroid = { row: rowSums[component.label - 1] / component.area, column: columnSums[component.label - 1] / component.area };
  }
  return { rows, columns, labels, components };
}

/** Union-find over provisional labels 1..count; a set's root is its smallest label. */
class LabelSets {
  private readonly parent: number[] = [0];

  get count(): number {
    return this.parent.length - 1;
  }

  add(): number {
    this.parent.push(this.parent.length);
    return this.parent.length - 1;
  }

  find(label: number): number {
    const { parent } = this;
    while (parent[label] !== label) {
      parent[label] = parent[parent[label]];
      label = parent[label];
    }
    return label;
  }

  /** Merges `neighbour`'s set into `label`'s and returns the root; label 0 means "none yet", neighbour 0 is background. */
  join(label: number, neighbour: number): number {
    if (neighbour === 0) return label;
    const other = this.find(neighbour);
    if (label === 0) return other;
    const root = this.find(label);
    if (root === other) return root;
    if (root < other) {
      this.parent[other] = root;
      return root;
    }
    this.parent[root] = other;
    return other;
  }
}
