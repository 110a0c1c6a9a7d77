// The services for a command that uses the data directory (scan, serve). When another Pleura holds the directory,
// or its index cannot be opened, the command says why in one line and ends with an exit code — no stack trace.
import { ApiError } from '../api/contract';
import { DataDirBusyError } from '../services/data-dir-lock';
import { createServices, type Services, type ServicesOptions } from '../services/create-services';

/** sysexits' EX_TEMPFAIL: the data directory is busy; the same command later may work. */
export const EXIT_BUSY = 75;

export function openServicesFor(command: string, options: ServicesOptions): Services | { exitCode: number } {
  try {
    return createServices(options);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    process.stderr.write(`pleura ${command}: ${error.message}\n`);
    return { exitCode: error instanceof DataDirBusyError ? EXIT_BUSY : 1 };
  }
}
