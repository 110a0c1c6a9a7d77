// The operations log: one line per scan, triage job, training run, export, lifecycle step and unexpected error, in
// <dataDir>/logs/pleura.log (1 MiB per file, the current one and 3 old ones) and, for `pleura serve`, on stderr.
// Lines carry counts, ids, model versions and paths, never DICOM values (no patient names or IDs: the callers choose
// the fields), and never an access token (scrubbed here, whatever carries it).
import path from 'node:path';
import { createRotatingFile } from './rotating-file';

export type LogValue = string | number | boolean | null | undefined | readonly string[];
export type LogFields = Record<string, LogValue>;

export interface OperationLog {
  /** One line: the time, the event, its fields (undefined ones left out). Never throws. */
  record(event: string, fields?: LogFields): void;
  /** An error that is not the caller's fault (a bug or the environment): its message, and its stack in the file. */
  unexpectedError(what: string, error: unknown): void;
}

export type LogSink = (line: string) => void;

const LOG_FILE_BYTES = 1024 * 1024;
const LOG_FILES_KEPT = 3;

export function logFilePath(dataDir: string): string {
  return path.join(dataDir, 'logs', 'pleura.log');
}

/** The data directory's log file, and `echo` (stderr, for `pleura serve`) when given. */
export function openOperationLog(dataDir: string, echo?: LogSink): OperationLog {
  const file = logFilePath(dataDir);
  const writeFile = createRotatingFile({
    file,
    maxBytes: LOG_FILE_BYTES,
    keep: LOG_FILES_KEPT,
    onFailure: (error) => process.stderr.write(`pleura: cannot write the log file ${file} (${error.message}); the workstation goes on without it\n`),
  });
  return createOperationLog({ file: writeFile, echo });
}

/** Both sinks get every line; stack traces go to the file only (a user reads the echo). */
export function createOperationLog(sinks: { file: LogSink; echo?: LogSink }, clock: () => Date = () => new Date()): OperationLog {
  const write = (sink: LogSink | undefined, line: string) => {
    try {
      sink?.(line);
    } catch {
      // A sink that cannot take the line (a closed stderr) must not cost the other its copy.
    }
  };
  const record = (event: string, fields: LogFields = {}, fileOnly: LogFields = {}) => {
    const at = clock();
    write(sinks.file, formatLogLine(at, event, { ...fields, ...fileOnly }));
    write(sinks.echo, formatLogLine(at, event, fields));
  };
  return {
    record: (event, fields) => record(event, fields),
    unexpectedError(what, error) {
      record('error', { what, message: String(error) }, { stack: error instanceof Error ? error.stack : undefined });
    },
  };
}

/** `<ISO time> <event> key=value …\n`, values quoted (JSON) where they hold spaces, quotes, `=` or line breaks. */
export function formatLogLine(at: Date, event: string, fields: LogFields): string {
  const parts = [at.toISOString(), event];
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) parts.push(`${key}=${formatValue(value)}`);
  }
  return `${withoutTokens(parts.join(' '))}\n`;
}

function formatValue(value: Exclude<LogValue, undefined>): string {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  const text = typeof value === 'string' ? value : value.join(',');
  return text === '' || /[\s"=\\]/.test(text) || /\p{Cc}/u.test(text) ? JSON.stringify(text) : text;
}

/** The loopback server's token travels as `?token=`, as a `pleura_token_<port>=` cookie and as a Bearer header. */
function withoutTokens(line: string): string {
  return line.replace(/(token\w*=)[^&\s"\\;]+/gi, '$1[redacted]').replace(/(Bearer\s+)[^\s"\\]+/gi, '$1[redacted]');
}
