// `pleura scan FOLDER [--json] [--wait SECONDS]`: indexes a folder into the same index the workstation uses
// (PLEURA_DATA_DIR or the per-user data folder) and prints what it found. With --json, stdout holds exactly one JSON
// document. One Pleura process at a time uses a data directory: a scan waits for another to finish with it (30 s
// by default), then gives up saying who holds it (exit code 75).
import path from 'node:path';
import { version } from '../../../package.json';
import { ApiError, type ApiHandlers, type FileError, type ScanProgress, type ScanSummary, type StudyDetail } from '../../api/contract';
import { resolveDataDir } from '../../services/data-dir';
import { describeHolder } from '../../services/data-dir-lock';
import { pathRangeUnder } from '../../studies/index-db';
import { openServicesFor } from '../open-services';
import { CliUsageError, type CliCommand } from '../run';

type StudyNode = Omit<StudyDetail, 'patientId' | 'patientName'>;
export interface PatientNode {
  patientId: string | null;
  patientName: string | null;
  studies: StudyNode[];
}

export interface ScanReport {
  summary: ScanSummary;
  patients: PatientNode[];
  fileErrors: FileError[];
}

/** Patient → Study → Series → Instance, keeping only the instances inside `root` (the index may hold others). */
export function patientTree(details: StudyDetail[], root: string): PatientNode[] {
  const [low, high] = pathRangeUnder(root);
  const patients = new Map<string, PatientNode>();
  for (const { patientId, patientName, series, ...study } of details) {
    const inside = series
      .map((s) => ({ ...s, instances: s.instances.filter((i) => i.path >= low && i.path < high) }))
      .filter((s) => s.instances.length > 0);
    if (inside.length === 0) continue;
    const key = JSON.stringify([patientId, patientName]);
    if (!patients.has(key)) patients.set(key, { patientId, patientName, studies: [] });
    patients.get(key)!.studies.push({ ...study, series: inside });
  }
  return [...patients.values()];
}

async function scanReport(handlers: ApiHandlers, summary: ScanSummary): Promise<ScanReport> {
  const rows = await handlers['studies.worklist']({});
  const details = await Promise.all(rows.map((row) => handlers['studies.detail']({ studyInstanceUid: row.studyInstanceUid })));
  return {
    summary,
    patients: patientTree(details, summary.root),
    fileErrors: await handlers['studies.fileErrors']({ root: summary.root }),
  };
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function humanReport({ summary: s, patients, fileErrors }: ScanReport): string {
  const duration = s.durationMs < 1000 ? `${s.durationMs} ms` : `${(s.durationMs / 1000).toFixed(1)} s`;
  const lines = [
    `${s.cancelled ? 'Cancelled scan of' : 'Scanned'} ${s.root} in ${duration}: ${s.filesSeen} files ` +
      `(${s.filesRead} read, ${s.unchanged} unchanged, ${s.added} new, ${s.updated} changed, ${s.removed} removed, ${s.skipped} skipped), ` +
      `${plural(s.studies, 'study', 'studies')}, ${plural(s.errors, 'file')} with errors.`,
  ];
  for (const patient of patients) {
    for (const study of patient.studies) {
      const images = study.series.reduce((n, series) => n + series.instances.length, 0);
      const fields = [patient.patientName ?? patient.patientId ?? '(no name)', study.studyDate ?? '(no date)', study.modality ?? '-', study.view ?? '-'];
      lines.push(`  ${fields.join('  ')}  ${plural(images, 'image')}${study.errorCount ? `, ${study.errorCount} failed` : ''}`);
    }
  }
  if (fileErrors.length) lines.push('Files not indexed:', ...fileErrors.map((e) => `  ${e.path}: ${e.code}: ${e.message}`));
  return `${lines.join('\n')}\n`;
}

function progressLine(p: ScanProgress): string {
  return `\r${p.phase}: ${p.filesDone}/${p.filesSeen} files, ${p.errors} errors`.padEnd(60);
}

const DEFAULT_WAIT_SECONDS = 30;

function parseWait(value: unknown): number {
  if (value === undefined) return DEFAULT_WAIT_SECONDS;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) throw new CliUsageError(`--wait must be a number of seconds, 0 or more, not "${String(value)}"`);
  return seconds;
}

export const scan: CliCommand = {
  usage: 'scan FOLDER [--json] [--wait SECONDS]',
  summary:
    'index the DICOM files under FOLDER (rescans read only changed files) and print the studies and the rejected files; ' +
    'waits up to --wait seconds (30) while another Pleura uses the data directory, then exits 75',
  options: { json: { type: 'boolean' }, wait: { type: 'string' } },
  async run({ positionals, values }) {
    if (positionals.length !== 1) throw new CliUsageError(`expected one folder\nusage: pleura ${scan.usage}`);
    const waitSeconds = parseWait(values.wait);
    const dataDir = resolveDataDir();
    // The CLI has no window of its own; 'browser' only labels app.info.
    const opened = openServicesFor('scan', {
      dataDir,
      shell: 'browser',
      version,
      lock: {
        command: 'scan',
        waitMs: waitSeconds * 1000,
        onWait: (holder) => process.stderr.write(`pleura scan: ${describeHolder(holder)} is using ${dataDir}; waiting up to ${waitSeconds} s for it to finish\n`),
      },
    });
    if ('exitCode' in opened) return opened.exitCode;
    const services = opened;
    const { indexRecovery } = await services.handlers['app.info']({});
    if (indexRecovery) process.stderr.write(`pleura scan: ${indexRecovery.message}\n`);
    let scanId: string | undefined;
    const unsubscribe = services.events.subscribe((event, payload) => {
      if (event !== 'scan.progress') return;
      scanId = (payload as ScanProgress).scanId;
      if (process.stderr.isTTY) process.stderr.write(progressLine(payload as ScanProgress));
    });
    // Ctrl-C stops the scan cleanly: what was read stays indexed, and the report says "cancelled".
    const cancel = () => void (scanId && services.handlers['studies.cancelScan']({ scanId }));
    process.once('SIGINT', cancel);
    try {
      const summary = await services.handlers['studies.scan']({ path: path.resolve(positionals[0]) });
      // A rebuilt index is left whole: the other folders it held are scanned again before the command ends.
      await services.rebuilt;
      if (process.stderr.isTTY) process.stderr.write('\n');
      const report = await scanReport(services.handlers, summary);
      process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : humanReport(report));
      return summary.cancelled ? 130 : 0;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'invalid-argument') throw new CliUsageError(error.message);
      throw error;
    } finally {
      process.off('SIGINT', cancel);
      unsubscribe();
      await services.close();
    }
  },
};
