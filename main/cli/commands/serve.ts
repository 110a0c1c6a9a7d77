// `pleura serve`: the workstation in a browser, over the loopback server, until SIGINT or SIGTERM.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLoopbackServer } from '../../transports/loopback/server';
import { createServices } from '../../services/create-services';
import { resolveDataDir } from '../../services/data-dir';
import { bundledModelDir } from '../../first-run/first-run';
import { CliUsageError, type CliCommand } from '../run';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

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
    const services = createServices({
      dataDir: resolveDataDir(),
      shell: 'browser',
      version: packageVersion(),
      firstRun: { bundledModel: bundledModelDir(repositoryRoot) },
    });
    const server = await startLoopbackServer({
      handlers: services.handlers,
      events: services.events,
      staticDir,
      port,
      onUnexpectedError: (what, error) => process.stderr.write(`pleura serve: ${what} failed: ${(error as Error)?.stack ?? String(error)}\n`),
    }).catch(async (error: NodeJS.ErrnoException) => {
      await services.close();
      if (error.code === 'EADDRINUSE') throw new CliUsageError(`port ${port} is in use: choose another with --port, or leave it out for a free one`);
      throw error;
    });
    process.stdout.write(`Pleura is being served at\n\n  ${server.url}\n\nOpen that address in a browser (it carries the access token). Ctrl+C stops the server.\n`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    process.stdout.write(`\n${signal}: stopping\n`);
    await server.close();
    await services.close();
    return 0;
  },
};

function parsePort(value: unknown): number {
  if (value === undefined) return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliUsageError(`--port must be an integer from 0 to 65535, not "${String(value)}"`);
  return port;
}

function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(repositoryRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
