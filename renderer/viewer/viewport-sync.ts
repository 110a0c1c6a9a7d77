// Side by side: two stack viewports kept in step, both ways — the camera (zoom and pan) and the window/level with
// the inversion — by Cornerstone's own synchronizers, each viewport both source and target.
import { SynchronizerManager, synchronizers } from '@cornerstonejs/tools';
import type { StackSession } from './stack-session';

let linkCount = 0;

export function linkViewports(first: StackSession, second: StackSession): () => void {
  const id = ++linkCount;
  const camera = synchronizers.createCameraPositionSynchronizer(`pleura-camera-${id}`);
  const voi = synchronizers.createVOISynchronizer(`pleura-voi-${id}`, { syncInvertState: true, syncColormap: false });
  for (const synchronizer of [camera, voi]) {
    synchronizer.add(first.ref);
    synchronizer.add(second.ref);
  }
  return () => {
    SynchronizerManager.destroySynchronizer(camera.id);
    SynchronizerManager.destroySynchronizer(voi.id);
  };
}

/** Gives `to` the zoom, pan and window/level `from` shows now (a newly shown image starts from its defaults). */
export function copyView(from: StackSession, to: StackSession): void {
  const { voiRange, invert } = from.viewport.getProperties();
  to.viewport.setCamera(from.viewport.getCamera());
  to.viewport.setProperties({ voiRange, invert });
  to.viewport.render();
}
