// A DIMSE peer as a job's endpoints: C-ECHO, C-FIND (study, then instances), C-GET or C-MOVE of a whole study into
// a staging folder (DIMSE retrieves studies; instances not wanted are dropped), and C-STORE for results.
import type { PacsEndpoints } from './connect';
import { echo } from './dimse/echo';
import { findInstances, findStudies } from './dimse/find';
import { retrieveStudy, type RetrieveOptions } from './dimse/retrieve';
import { storeInstances } from './dimse/store-scu';
import type { DimsePeer, InstanceRef } from './peers';

export function dimseEndpoints(name: string, peer: DimsePeer, retrieval: Pick<RetrieveOptions, 'method' | 'moveDestination'>): PacsEndpoints {
  return {
    source: {
      name,
      verify: (signal) => echo(peer, signal),
      searchStudies: (query, signal) => findStudies(peer, query, signal),
      listInstances: (study, signal) => findInstances(peer, study, signal),
      async retrieve(study, wanted, cache, arrived, signal) {
        const folder = await cache.stagingFolder();
        const received: { file: string; ref: InstanceRef }[] = [];
        try {
          await retrieveStudy(peer, study, folder, { ...retrieval, signal, onInstance: (file, ref) => received.push({ file, ref }) });
          const want = new Set(wanted.map((instance) => instance.sopInstanceUid));
          for (const { file, ref } of received) if (want.has(ref.sopInstanceUid)) await arrived(file, ref);
        } finally {
          await cache.discard(folder);
        }
      },
    },
    sink: {
      name,
      store: (objects, _study, signal) => storeInstances(peer, [...objects] as Uint8Array[], signal),
      async has(ref, signal) {
        return (await findInstances(peer, ref.studyInstanceUid, signal)).some((instance) => instance.sopInstanceUid === ref.sopInstanceUid);
      },
    },
    claims: null,
  };
}
