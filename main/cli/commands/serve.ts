// `pleura serve`: the workstation in a browser, over the loopback server, until SIGTERM, SIGINT or SIGHUP, or until
// the command that started it ends (serve-lifecycle.ts). Operations are logged to stderr and <dataDir>/logs.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { startLoopbackServer } from '../../transports/loopback/server';
import { resolveDataDir } from '../../services/data-dir';
import { openOperationLog } from '../../services/operation-log';
import { bundledModelDir } from '../../first-run/first-run';
import { openServicesFor } from '../open-services';
import { packageVersion, repositoryRoot } from '../repository-root';
import { CliUsageError, type CliCommand } from '../run';
import { closeWithin, STOP_GRACE_MS, stopRequested } from '../serve-lifecycle';

export const serve: CliCommand = {
  usage: 'serve [--port N]',
  summary: 'serve the workstation to a browser on http://127.0.0.1 (prints the address with its access token)',
  options: { port: { type: 'string' } },
  async run({ values }) {
    const port = parsePort(values.port);
    const staticDir = path.join(repositoryRoot, 'dist', 'renderer');
    if (!existsSync(path.join(staticDir, 'index.html'))) {
      process.stderr.write(`pleura serve: the renderer is not built (${staticDir} has no index.html); run \`npm run build:renderer\` or use \`npm run serve\`\n`);
      return 1;
    }
    const dataDir = resolveDataDir();
    const log = openOperationLog(dataDir, (line) => process.stderr.write(line));
    // Observes (never handles) a crash, so that it has its line in the log too.
    process.on('uncaughtExceptionMonitor', (error, origin) => log.unexpectedError(origin, error));
    // Listening from the start: a signal during the first run's start-up stops the server as soon as it is up.
    const stopping = stopRequested();
    const opened = openServicesFor('serve', {
      dataDir,
      shell: 'browser',
      version: packageVersion(),
      firstRun: { bundledModel: bundledModelDir(repositoryRoot) },
      log,
      lock: { command: 'serve' },
      // PLEURA_PACS_PASSWORD is the secret here: a browser shell has no encrypted store to keep one in.
      pacs: { background: true },
    });
    if ('exitCode' in opened) return opened.exitCode;
    const services = opened;
    const server = await startLoopbackServer({
      handlers: services.handlers,
      events: services.events,
      staticDir,
      port,
      onUnexpectedError: log.unexpectedError,
    }).catch(async (error: NodeJS.ErrnoException) => {
      await services.close();
      if (error.code === 'EADDRINUSE') throw new CliUsageError(`port ${port} is in use: choose another with --port, or leave it out for a free one`);
      throw error;
    });
    // The address (it carries the token) goes to stdout only, never to the log; a second Pleura is told it without.
    services.dataDirLock.announce({ address: `http://127.0.0.1:${server.port}/` });
    log.record('serve.start', { port: server.port, pid: process.pid, dataDir });
    process.stdout.write(`Pleura is being served at\n\n  ${server.url}\n\nOpen that address in a browser (it carries the access token). Ctrl+C stops the server.\n`);
    const reason = await stopping;
    const stopped = performance.now();
    process.stdout.write(`\n${reason}: stopping\n`);
    log.record('serve.stop', { reason });
    const overdue = () => {
      log.record('serve.overdue', { graceMs: STOP_GRACE_MS, action: 'exiting without a clean close' });
      process.exit(1);
    };
    try {
      await closeWithin(STOP_GRACE_MS, async () => {
        await server.close();
        await services.close();
      }, overdue);
    } catch (error) {
      log.unexpectedError('closing the server and services', error);
      return 1;
    }
    log.record('serve.stopped', { ms: Math.round(performance.now() - stopped) });
    return 0;
  },
};

function parsePort(value: unknown): number {
  if (value === undefined) return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliUsageError(`--port must be an integer from 0 to 65535, not "${String(value)}"`);
  return port;
}

