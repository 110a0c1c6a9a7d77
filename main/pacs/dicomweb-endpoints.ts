// A DICOMweb server as a job's endpoints: QIDO-RS and WADO-RS (one instance per request, streamed to the staging
// area), STOW-RS for results, and — where the server turns out to be Orthanc — its metadata as claims. A server
// that is not Orthanc has no claims: the results already in it are then the only check (push-results.ts).
import type { PacsEndpoints } from './connect';
import { createDicomwebClient } from './dicomweb/client';
import { createOrthancClaims, detectOrthanc, orthancRestUrl } from './orthanc-claims';
import type { DicomwebPeer } from './peers';
import type { WorkClaims } from './work-claims';

export function dicomwebEndpoints(peer: DicomwebPeer): PacsEndpoints {
  const client = createDicomwebClient(peer);
  const name = 'dicomweb';
  return {
    source: {
      name,
      verify: (signal) => client.verify(signal),
      searchStudies: (query, signal) => client.searchStudies(query, signal),
      listInstances: (study, signal) => client.searchInstances(study, undefined, signal),
      async retrieve(_study, wanted, cache, arrived, signal) {
        for (const instance of wanted) {
          if (signal?.aborted) return;
          const staged = cache.stagingFile();
          try {
            await client.retrieveInstance(instance, staged, signal);
          } catch (error) {
            await cache.discard(staged);
            throw error;
          }
          await arrived(staged, instance);
        }
      },
    },
    sink: {
      name,
      store: (objects, study, signal) => client.store([...objects], study, signal),
      has: (ref, signal) => client.instanceExists(ref, signal),
    },
    claims: orthancClaimsIfOrthanc(peer),
  };
}

/** Orthanc's claims, once a first request has shown the server is Orthanc; until then and otherwise, none. */
function orthancClaimsIfOrthanc(peer: DicomwebPeer): WorkClaims | null {
  const restUrl = orthancRestUrl(peer.url);
  if (!restUrl) return null;
  let claims: Promise<WorkClaims | null> | null = null;
  const resolve = () => (claims ??= detectOrthanc(restUrl, peer.auth).then((isOrthanc) => (isOrthanc ? createOrthancClaims({ restUrl, auth: peer.auth }) : null)).catch(() => null));
  return {
    async claim(ref, holder, ttlMs, signal) {
      const orthanc = await resolve();
      return orthanc ? orthanc.claim(ref, holder, ttlMs, signal) : 'claimed';
    },
    async finish(ref, holder, version, signal) {
      await (await resolve())?.finish(ref, holder, version, signal);
    },
    async release(ref, holder, signal) {
      await (await resolve())?.release(ref, holder, signal);
    },
  };
}
