// The DICOM fuzz run, shared by its test and `npm run bench -- fuzz`: write N mutated files into a folder, scan
// them into a fresh index, decode each through the decode pool (worker threads, as the workstation does), triage a
// few with a small model, and judge every outcome. A file must end as a result or as a file error with one of the
// contract's codes and a message; anything else (another error, a crashed worker, a hang, a changed input folder,
// an unhandled rejection) is a finding, named with its case number and recipe.
import { copyFileSync, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FileErrorCode } from '../../main/api/contract';
import { disposeEnsemble, loadEnsemble } from '../../main/inference/load-ensemble';
import { createDecodePool } from '../../main/studies/decode-pool';
import { DicomFileError } from '../../main/studies/dicom/errors';
import { StudyIndex } from '../../main/studies/index-db';
import { runScan } from '../../main/studies/scanner';
import { triageFolder } from '../../main/triage/triage-folder';
import { snapshotFolder } from '../fixtures/study-folder';
import { deflateBomb, mutant, type MutationContext } from './mutate';
import { generatedSeeds, sharedSeeds, type Seed } from './seeds';

export type Outcome = { result: 'ok' } | { result: 'skipped' } | { result: 'error'; code: string; message: string };

export interface FuzzCase {
  index: number;
  seed: string;
  recipe: string[];
  file: string;
  size: number;
  scan?: Outcome;
  decode?: Outcome;
}

export interface Finding {
  /** -1: the run as a whole */
  index: number;
  stage: 'scan' | 'decode' | 'triage' | 'folder';
  problem: string;
  recipe: string[];
  seed: string;
}

/** JavaScript's own errors passed off as a file error's message: the file has a code, but nobody can act on the words. */
const ENGINE_ERROR = /Cannot read propert|is not a function|is not defined|is not iterable|Maximum call stack|Invalid (typed )?array length|Array buffer allocation failed/;

export interface Corpus {
  generated: Seed[];
  shared: Seed[];
  context: MutationContext;
}

const codes = new Set<string>(FileErrorCode.options);
/** A bomb this size (compressed to about 0.1%) is enough to show an inflate that does not stop at what the header declares. */
const BOMB_BYTES = 256 * 2 ** 20;

export async function loadCorpus(): Promise<Corpus> {
  const generated = await generatedSeeds();
  const carrier = generated.find((seed) => seed.name === 'generated/explicit-le')!;
  return { generated, shared: sharedSeeds(), context: { carrier, bomb: await deflateBomb(carrier, BOMB_BYTES) } };
}

export async function writeCases(folder: string, corpus: Corpus, runSeed: number, count: number): Promise<FuzzCase[]> {
  mkdirSync(folder, { recursive: true });
  const cases: FuzzCase[] = [];
  for (let index = 0; index < count; index++) {
    const { seed, bytes, recipe } = mutant(runSeed, index, corpus.generated, corpus.shared, corpus.context);
    const file = path.join(folder, `case-${String(index).padStart(5, '0')}.dcm`);
    await writeFile(file, bytes);
    cases.push({ index, seed, recipe, file, size: bytes.length });
  }
  return cases;
}

function finding(item: FuzzCase, stage: Finding['stage'], problem: string): Finding {
  return { index: item.index, stage, problem, recipe: item.recipe, seed: item.seed };
}

/** A file error must carry one of the contract's codes and say something. */
function judgeError(item: FuzzCase, stage: Finding['stage'], code: unknown, message: unknown): Finding[] {
  const problems: Finding[] = [];
  if (typeof code !== 'string' || !codes.has(code)) problems.push(finding(item, stage, `error code ${JSON.stringify(code)} is not a FileErrorCode`));
  if (typeof message !== 'string' || message.trim() === '') problems.push(finding(item, stage, `error ${String(code)} without a message`));
  else if (ENGINE_ERROR.test(message)) problems.push(finding(item, stage, `a JavaScript error as the message of ${String(code)}: ${message}`));
  return problems;
}

/** Scans the folder into a fresh index in this thread, and reads back each file's outcome. */
export async function scanCases(folder: string, indexFile: string, cases: FuzzCase[]): Promise<Finding[]> {
  const index = StudyIndex.open(indexFile);
  const findings: Finding[] = [];
  try {
    await runScan(index, { root: folder, scanId: 'fuzz' });
    const messages = new Map(index.fileErrors(folder).map((error) => [error.path, error.message]));
    for (const item of cases) {
      const known = index.knownFile(item.file);
      if (!known) {
        findings.push(finding(item, 'scan', 'the scan recorded nothing for this file'));
        continue;
      }
      if (known.status === 'ok') item.scan = { result: 'ok' };
      else if (known.skipped) item.scan = { result: 'skipped' };
      else {
        const message = messages.get(item.file);
        item.scan = { result: 'error', code: String(known.errorCode), message: message ?? '' };
        findings.push(...judgeError(item, 'scan', known.errorCode, message));
      }
    }
  } catch (error) {
    findings.push({ index: -1, stage: 'scan', problem: `the scan failed: ${(error as Error)?.stack ?? String(error)}`, recipe: [], seed: '' });
  } finally {
    index.close();
  }
  return findings;
}

/** Workers of the decode pool, and decodes in flight: one each, so that a case's clock starts when its decode does. */
const DECODE_WORKERS = 2;

/** Decodes every case through the decode pool (its worker threads), each within `timeoutMs`. */
export async function decodeCases(cases: FuzzCase[], timeoutMs: number): Promise<Finding[]> {
  const pool = createDecodePool({ size: DECODE_WORKERS });
  const findings: Finding[] = [];
  const decodeOne = async (item: FuzzCase) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), timeoutMs)));
    try {
      const image = await Promise.race([pool.decode(item.file), timeout]);
      if (image === 'hang') {
        findings.push(finding(item, 'decode', `no answer within ${timeoutMs} ms`));
        return;
      }
      item.decode = { result: 'ok' };
      if (image.pixels.length !== image.rows * image.columns) findings.push(finding(item, 'decode', `${image.pixels.length} pixels for ${image.rows} x ${image.columns}`));
    } catch (error) {
      if (!(error instanceof DicomFileError)) {
        findings.push(finding(item, 'decode', `rejected with ${(error as Error)?.stack ?? String(error)}`));
        return;
      }
      item.decode = { result: 'error', code: error.code, message: error.message };
      findings.push(...judgeError(item, 'decode', error.code, error.message));
      if (/the decoder stopped/.test(error.message)) findings.push(finding(item, 'decode', `a decode worker crashed: ${error.message}`));
    } finally {
      clearTimeout(timer);
    }
  };
  let next = 0;
  const lane = async () => {
    while (next < cases.length) await decodeOne(cases[next++]);
  };
  try {
    await Promise.all(Array.from({ length: DECODE_WORKERS }, lane));
  } finally {
    await pool.close();
  }
  return findings;
}

/**
 * Triages up to `count` cases (half decoded, half not, where there are) with the model in `modelDir`, from copies
 * in a folder of their own. Every file must end triaged, not assessed (outside the intended use) or with a file error.
 */
export async function triageCases(cases: FuzzCase[], count: number, work: string, modelDir: string): Promise<Finding[]> {
  const decoded = cases.filter((item) => item.decode?.result === 'ok');
  const failed = cases.filter((item) => item.decode?.result !== 'ok');
  const chosen = [...decoded.slice(0, Math.ceil(count / 2)), ...failed.slice(0, Math.floor(count / 2))];
  const folder = path.join(work, 'triage-in');
  mkdirSync(folder, { recursive: true });
  const byFile = new Map(chosen.map((item) => [path.join(folder, path.basename(item.file)), item]));
  for (const [copy, item] of byFile) copyFileSync(item.file, copy);
  const before = await snapshotFolder(folder);
  const members = await loadEnsemble([modelDir], { engine: 'onnx' });
  const findings: Finding[] = [];
  try {
    const report = await triageFolder({ folder, out: path.join(work, 'triage-out'), members, tta: 'none' });
    for (const [file, item] of byFile) {
      const entry = report.images.find((image) => image.path === file);
      if (!entry) findings.push(finding(item, 'triage', 'triage reported nothing for this file'));
      else if (entry.status === 'error') {
        if (entry.error.code === 'triage-failed') findings.push(finding(item, 'triage', `decoded, but the model failed: ${entry.error.message}`));
        else findings.push(...judgeError(item, 'triage', entry.error.code, entry.error.message));
      }
    }
  } catch (error) {
    findings.push({ index: -1, stage: 'triage', problem: `triage failed: ${(error as Error)?.stack ?? String(error)}`, recipe: [], seed: '' });
  } finally {
    await disposeEnsemble(members);
  }
  if (JSON.stringify(await snapshotFolder(folder)) !== JSON.stringify(before)) findings.push({ index: -1, stage: 'folder', problem: 'triage changed its input folder', recipe: [], seed: '' });
  return findings;
}

/** Findings as lines a person can act on: case, stage, problem, seed file and recipe. */
export function describeFindings(runSeed: number, findings: Finding[]): string {
  return findings
    .map((f) => (f.index < 0 ? `run ${runSeed}: ${f.stage}: ${f.problem}` : `case ${f.index} of run ${runSeed} (${f.seed}; ${f.recipe.join('; ')}): ${f.stage}: ${f.problem}`))
    .join('\n');
}
