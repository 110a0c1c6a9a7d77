// Folders Pleura never writes into nor reads training data from, whatever the user or the API names: the root of a
// file system (an export there scatters files over the whole disk), the kernel's virtual trees /dev, /proc and /sys
// (their files never end, block, or reach devices) and, on Windows, a drive's root and the Windows folder.
import path from 'node:path';
import { isWithin } from './contained-path';

export interface SystemContext {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
}

const VIRTUAL_TREES = ['/dev', '/proc', '/sys'];

/** What system folder `real` (an absolute path with links resolved) is or lies in; null when it is none. */
export function systemFolderOf(real: string, { platform, env }: SystemContext = { platform: process.platform, env: process.env }): string | null {
  const flavour = platform === 'win32' ? path.win32 : path.posix;
  const resolved = flavour.resolve(real);
  if (flavour.parse(resolved).root === resolved) return `${resolved}, the root of a file system`;
  if (platform === 'win32') {
    const windows = env.SystemRoot || env.windir;
    return windows && isWithin(windows, resolved, flavour) ? `${windows}, the Windows folder` : null;
  }
  const tree = VIRTUAL_TREES.find((folder) => isWithin(folder, resolved, flavour));
  return tree ? `${tree}, a system folder` : null;
}
