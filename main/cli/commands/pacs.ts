// `pleura pacs sync|listen`: a headless node on a PACS. sync queries the DICOMweb server for CR/DX studies (every
// one on a data directory's first sync, or from --from; later, from a day before the previous sync), retrieves the
// instances not here yet into the data directory's cache, triages them with the current model (the bundled one
// installed where none is) and, with --push, sends the results back. listen runs a C-STORE SCP that does the same
// for what is sent to it. The password comes from PLEURA_PACS_PASSWORD, never from a flag (flags show in `ps`).
import type { PacsJob } from '../../api/contract';
import { AeTitle } from '../../api/contract';
import { dicomwebAuth, DICOMWEB_SOURCE, type PacsEndpoints } from '../../pacs/connect';
import { dicomwebEndpoints } from '../../pacs/dicomweb-endpoints';
import { PacsError } from '../../pacs/pacs-error';
import { PASSWORD_VARIABLE } from '../../pacs/secrets';
import { resolveDataDir } from '../../services/data-dir';
import { openOperationLog } from '../../services/operation-log';
import { modelDirsOrCurrent } from '../ensemble-flags';
import { openServicesFor } from '../open-services';
import { packageVersion } from '../repository-root';
import { CliUsageError, type CliCommand } from '../run';
import { stopRequested } from '../serve-lifecycle';

const usage = [
  'pacs sync --dicomweb URL [--user U | --bearer] [--push] [--from YYYYMMDD] [--json]',
  'pacs listen --port N [--ae PLEURA] [--max-associations 4] [--all-interfaces] [--dicomweb URL [--user U | --bearer] --push]',
].join('\n  pleura ');

export const pacs: CliCommand = {
  usage,
  summary: `a headless node on a PACS: sync retrieves the new CR/DX studies from a DICOMweb server, triages them and (--push) sends the results back (JSON summary: studies, retrieved, triaged, pushed, skipped, errors); listen is a C-STORE SCP that triages what arrives. The password or token is read from ${PASSWORD_VARIABLE}`,
  options: {
    dicomweb: { type: 'string' },
    user: { type: 'string' },
    bearer: { type: 'boolean' },
    push: { type: 'boolean' },
    from: { type: 'string' },
    json: { type: 'boolean' },
    port: { type: 'string' },
    ae: { type: 'string' },
    'max-associations': { type: 'string' },
    'all-interfaces': { type: 'boolean' },
  },
  async run({ positionals, values }) {
    const [sub, ...rest] = positionals;
    if (rest.length) throw new CliUsageError(`pacs ${sub} takes no positional arguments\nusage: pleura ${usage}`);
    if (sub === 'sync') return sync(values);
    if (sub === 'listen') return listen(values);
    throw new CliUsageError(`unknown pacs subcommand "${sub ?? ''}"\nusage: pleura ${usage}`);
  },
};

type Values = Parameters<CliCommand['run']>[0]['values'];

function endpointsFrom(values: Values): PacsEndpoints | null {
  const url = values.dicomweb;
  if (url === undefined) return null;
  if (typeof url !== 'string' || !/^https?:\/\/[^/@]+(\/|$)/i.test(url)) throw new CliUsageError(`--dicomweb must be an http:// or https:// URL without credentials, not "${String(url)}"`);
  if (values.user !== undefined && values.bearer) throw new CliUsageError('give --user (basic authentication) or --bearer (a token), not both');
  const kind = values.user !== undefined ? 'basic' : values.bearer ? 'bearer' : 'none';
  try {
    return dicomwebEndpoints({ url, auth: dicomwebAuth(kind, String(values.user ?? ''), process.env[PASSWORD_VARIABLE] || null) });
  } catch (error) {
    if (error instanceof PacsError) throw new CliUsageError(`${error.message.replace(/enter it in Settings → PACS, or set/, 'set')}`);
    throw error;
  }
}

async function openNode(command: string) {
  const dataDir = resolveDataDir();
  const log = openOperationLog(dataDir, (line) => process.stderr.write(line));
  const opened = openServicesFor(command, { dataDir, shell: 'browser', version: packageVersion(), log, lock: { command } });
  if ('exitCode' in opened) return opened;
  // Triage needs a model: the current one, or the bundled one installed as `pleura triage` does.
  if ((await modelDirsOrCurrent([])) === null) {
    await opened.close();
    return { exitCode: 1 };
  }
  return opened;
}

async function sync(values: Values): Promise<number> {
  const endpoints = endpointsFrom(values);
  if (!endpoints) throw new CliUsageError(`pacs sync needs --dicomweb URL\nusage: pleura ${usage}`);
  const from = values.from;
  if (from !== undefined && (typeof from !== 'string' || !/^\d{8}$/.test(from))) throw new CliUsageError(`--from must be a date as YYYYMMDD, not "${String(from)}"`);
  const services = await openNode('pacs sync');
  if ('exitCode' in services) return services.exitCode;
  const started = performance.now();
  let job: PacsJob;
  try {
    job = await services.pacs.sync(endpoints, { push: Boolean(values.push), from: from as string | undefined });
  } finally {
    await services.close();
  }
  const summary = {
    source: DICOMWEB_SOURCE,
    state: job.state,
    studies: job.studies,
    retrieved: job.retrieved,
    triaged: job.triaged,
    pushed: job.pushed,
    skipped: job.skipped,
    errors: job.errors.length,
    errorList: job.errors,
    message: job.message,
    seconds: Math.round((performance.now() - started) / 100) / 10,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    process.stdout.write(`${summary.state}: ${summary.studies} studies, ${summary.retrieved} retrieved, ${summary.triaged} triaged, ${summary.pushed} pushed, ${summary.skipped} skipped, ${summary.errors} errors in ${summary.seconds} s\n`);
    for (const error of job.errors) process.stdout.write(`  ${error.sopInstanceUid ?? '-'}: ${error.message}\n`);
    if (job.message) process.stdout.write(`  ${job.message}\n`);
  }
  if (job.state === 'failed') return 1;
  return job.errors.length ? 3 : 0;
}

async function listen(values: Values): Promise<number> {
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CliUsageError(`pacs listen needs --port N (1 to 65535), not "${String(values.port)}"`);
  const aeTitle = String(values.ae ?? 'PLEURA');
  if (!AeTitle.safeParse(aeTitle).success) throw new CliUsageError(`--ae must be an AE title (1 to 16 printable ASCII characters, no backslash), not "${aeTitle}"`);
  const maxAssociations = values['max-associations'] === undefined ? 4 : Number(values['max-associations']);
  if (!Number.isInteger(maxAssociations) || maxAssociations < 1 || maxAssociations > 64) throw new CliUsageError('--max-associations must be 1 to 64');
  const endpoints = endpointsFrom(values);
  if (values.push && !endpoints) throw new CliUsageError('--push needs --dicomweb URL: the results are sent there');
  const stopping = stopRequested();
  const services = await openNode('pacs listen');
  if ('exitCode' in services) return services.exitCode;
  // Each batch of arrivals ends as a job: one line for it, as the operation log has one for each scan and triage.
  const stopReporting = services.events.subscribe((event, payload) => {
    if (event !== 'pacs.progress') return;
    const job = payload as PacsJob;
    if (job.state === 'running') return;
    const errors = job.errors.map((error) => ` ${error.sopInstanceUid ?? '-'}: ${error.message}`).join(';');
    process.stderr.write(`pleura pacs listen: ${job.state}: ${job.studies} studies, ${job.triaged} triaged, ${job.pushed} pushed, ${job.skipped} skipped, ${job.errors.length} errors${errors ? `:${errors}` : ''}${job.message ? ` (${job.message})` : ''}\n`);
  });
  try {
    const listener = await services.pacs.listen(endpoints, {
      port,
      aeTitle,
      push: Boolean(values.push),
      maxAssociations,
      allInterfaces: Boolean(values['all-interfaces']),
    });
    process.stdout.write(`${JSON.stringify({ listening: true, port: listener.port, ae: aeTitle, host: values['all-interfaces'] ? '0.0.0.0' : '127.0.0.1' })}\n`);
    const reason = await stopping;
    process.stderr.write(`pleura pacs listen: ${reason}: stopping\n`);
    await listener.close();
    return 0;
  } finally {
    stopReporting();
    await services.close();
  }
}

