// Route paths in one place, so links and route definitions cannot drift apart.
export const worklistPath = '/';
export const viewerRoutePattern = '/viewer/:studyInstanceUid';
export const settingsPath = '/settings';
/** The exports launcher; opened with an `ExportsState`, it exports the studies the worklist chose. */
export const exportsPath = '/exports';
/** Search, retrieve and send results to the PACS configured in Settings → PACS. */
export const pacsPath = '/pacs';

export function viewerPath(studyInstanceUid: string): string {
  return `/viewer/${encodeURIComponent(studyInstanceUid)}`;
}

/** What the worklist opens the exports launcher with: the studies chosen there, and how they were chosen, in words. */
export type ExportsState = { studyInstanceUids: readonly string[]; scope: string };

/** What the viewer is opened with: the studies in the order the worklist showed them, for next and previous. */
export type ViewerState = { readingOrder: readonly string[] };

export function viewerState(readingOrder: readonly string[]): ViewerState {
  return { readingOrder };
}
