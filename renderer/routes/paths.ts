// Route paths in one place, so links and route definitions cannot drift apart.
export const worklistPath = '/';
export const viewerRoutePattern = '/viewer/:studyInstanceUid';
export const settingsPath = '/settings';
/** The exports launcher; `exportsLink(uids)` opens it for chosen studies. */
export const exportsPath = '/exports';

export function viewerPath(studyInstanceUid: string): string {
  return `/viewer/${encodeURIComponent(studyInstanceUid)}`;
}

/** The exports launcher for the given studies (all triaged studies when none are given). */
export function exportsLink(studyInstanceUids: readonly string[] = []): string {
  return studyInstanceUids.length > 0 ? `${exportsPath}?${new URLSearchParams({ studies: studyInstanceUids.join(',') })}` : exportsPath;
}
