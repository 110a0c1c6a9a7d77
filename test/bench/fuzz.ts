// Mutated DICOM files (the fuzz harness of test/fuzz) through the scanner (in this thread) and the decode pool
// (worker threads of this process): files per second for each and for both, how the files ended, the findings, and
// the worst resident set size of the process. PLEURA_FUZZ_COUNT (default 1000) and PLEURA_FUZZ_SEED as for the test.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hasSharedData } from '../support/shared-data';
import { decodeCases, describeFindings, loadCorpus, scanCases, writeCases, type FuzzCase, type Outcome } from '../fuzz/run-cases';

const MiB = 2 ** 20;

function tally(cases: FuzzCase[], stage: 'scan' | 'decode'): Record<string, number> {
  const counts: Record<string, number> = {};
  const name = (outcome: Outcome | undefined) => (outcome === undefined ? 'none' : outcome.result === 'error' ? outcome.code : outcome.result);
  for (const item of cases) counts[name(item[stage])] = (counts[name(item[stage])] ?? 0) + 1;
  return counts;
}

export async function fuzzBench(): Promise<unknown> {
  const seed = Number(process.env.PLEURA_FUZZ_SEED || 20_250_604);
  const count = Number(process.env.PLEURA_FUZZ_COUNT || 1000);
  const work = mkdtempSync(path.join(os.tmpdir(), 'pleura-fuzz-bench-'));
  try {
    const cases = await writeCases(path.join(work, 'in'), await loadCorpus(), seed, count);
    const megabytes = cases.reduce((sum, item) => sum + item.size, 0) / MiB;
    let t = performance.now();
    const findings = await scanCases(path.join(work, 'in'), path.join(work, 'index.sqlite'), cases);
    const scanMs = performance.now() - t;
    t = performance.now();
    findings.push(...(await decodeCases(cases, 60_000)));
    const decodeMs = performance.now() - t;
    const perSecond = (ms: number) => Math.round((count / ms) * 1000);
    return {
      seed,
      files: count,
      megabytes: Math.round(megabytes),
      seeds: hasSharedData ? 'generated and ../shared/data' : 'generated only (../shared/data is absent)',
      scan: { ms: Math.round(scanMs), filesPerSecond: perSecond(scanMs) },
      decode: { ms: Math.round(decodeMs), filesPerSecond: perSecond(decodeMs), workers: 2 },
      scanAndDecode: { filesPerSecond: perSecond(scanMs + decodeMs) },
      peakRssMiB: Math.round((process.resourceUsage().maxRSS * 1024) / MiB),
      outcomes: { scan: tally(cases, 'scan'), decode: tally(cases, 'decode') },
      findings: describeFindings(seed, findings).split('\n').filter(Boolean),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
