// The pleura command's message for a failure that is not a usage error: one line that says what failed and what to
// do about it. The stack trace is for developers: only with PLEURA_DEBUG=1.
import { ApiError } from '../api/contract';
import { indexPath } from '../services/data-dir';
import { explainIndexFailure } from '../studies/index-errors';

export interface FailureContext {
  /** the pleura command that failed, when there was one */
  command: string | undefined;
  dataDir: string;
  debug: boolean;
}

export function failureMessage(error: unknown, { command, dataDir, debug }: FailureContext): string {
  const what = error instanceof Error ? error.message.replace(/\.$/, '') : String(error);
  const line = `pleura${command ? ` ${command}` : ''} failed: ${what}.`;
  // The services' own refusals (not found, unavailable) already say what to do.
  if (error instanceof ApiError && error.code !== 'failed') return line;
  const advised = `${line} ${advice(error, dataDir)}`;
  if (!debug) return `${advised} PLEURA_DEBUG=1 shows the stack trace.`;
  return error instanceof Error && error.stack ? `${advised}\n${error.stack}` : advised;
}

function advice(error: unknown, dataDir: string): string {
  const { name, code, path: file } = (error ?? {}) as { name?: string; code?: unknown; path?: string };
  if (name === 'SqliteError' && typeof code === 'string') return `${capitalised(explainIndexFailure(code, indexPath(dataDir)))}.`;
  switch (code) {
    case 'ENOSPC':
      return 'The disk is full: free some space and try again.';
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `There is no permission for ${file ?? 'a file Pleura needs'}: check its owner and permissions (the data directory can be moved with PLEURA_DATA_DIR).`;
    case 'EEXIST':
    case 'ENOTDIR':
      return `A file stands where a folder belongs (${file ?? 'a path Pleura needs'}): move it, or choose another data directory with PLEURA_DATA_DIR.`;
    default:
      return 'This is a bug or a problem with this machine: please report it with the stack trace.';
  }
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
