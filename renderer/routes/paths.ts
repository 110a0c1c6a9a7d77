// Route paths in one place, so links and route definitions cannot drift apart.
export const worklistPath = '/';
export const viewerRoutePattern = '/viewer/:studyInstanceUid';
export const settingsPath = '/settings';

export function viewerPath(studyInstanceUid: string): string {
  return `/viewer/${encodeURIComponent(studyInstanceUid)}`;
}
