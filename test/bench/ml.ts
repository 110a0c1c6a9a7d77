// Inference figures for the triage pipeline on AlbuNet (nf 32, random weights: no download), printed as JSON:
// - `mlBench` (section "ml"): per-image time at 512 and 1024 on each engine (onnx; tfjs on the backend it picks),
//   with and without flip TTA, split into decode, preprocess, model and post-process; the GFLOP/s reached; a bare
//   onnxruntime session on the same graph with the engine's session options, run just before and after each onnx
//   setting and interleaved pass by pass with the engine, for comparison; and the overlap of the stages (wall time
//   of a multi-image triage against the sum of its phases); and a row per further architecture (the 2nd place's):
//   parameters, GFLOP at 512 and 1024, and a bare onnxruntime forward pass at 512 (and at 1024 where that is
//   expected under 30 s), random weights.
//   And the INT8 rows (issue 15): the same AlbuNet quantized (ml/quantize, calibrated on a few phantoms at 512) against
//   its fp32 graph, bare sessions with the engine's options, interleaved pass by pass at 512 and 1024, best and median
//   of a few; the speed-up (goal: 2.5x at 1024), and what onnxruntime fused (its optimised graph, counted).
// - `mlRssBench` (section "ml-rss", long): peak RSS of `pleura triage` on 100 synthetic 1024 x 1024 images at 1024.
// Environment: PLEURA_BENCH_ML_IMAGES (images per onnx run, default 4), PLEURA_BENCH_ML_ENGINES (default
// "onnx,tfjs"), PLEURA_BENCH_ML_SECTIONS (default "albunet,architectures,int8": the AlbuNet runs, the architecture
// rows, the INT8 rows), PLEURA_BENCH_INT8_ROUNDS (interleaved fp32/INT8 pairs per size, default 4),
// PLEURA_BENCH_SKIP_SLOW=1 (no tfjs at 1024, no tfjs TTA), PLEURA_BENCH_ML_TFJS_FULL=1 (tfjs at 1024 with TTA too:
// about 70 s a forward pair), PLEURA_BENCH_RSS_IMAGES (default 100), PLEURA_BENCH_RSS_SIZE (the
// model input, default 1024), PLEURA_BENCH_RSS_TTA (default hflip, the triage default).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import type { TtaMode } from '../../ml/infer';
import { loadModel, ONNX_FILE } from '../../ml/io/model-store';
import { buildArchitecture, writeRandomModel } from '../../ml/io/new-model';
import { countFlops, countParameters } from '../../ml/models';
import { renderPhantom } from '../../ml/phantoms';
import { writeModelInput } from '../../ml/preprocess';
import { quantizeModel } from '../../ml/quantize';
import type { EngineName } from '../../ml/runtime/engine';
import { sessionOptions } from '../../ml/runtime/onnx-engine';
import { disposeEnsemble, loadEnsemble } from '../../main/inference/load-ensemble';
import type { Span } from '../../main/triage/pipeline';
import type { TriagedImage } from '../../main/triage/report';
import { triageFolder } from '../../main/triage/triage-folder';
import { writeSyntheticDicom } from '../fixtures/synthetic-dicom';

const SOURCE_SIZE = 1024;
const ARCH = { arch: 'albunet', archOptions: { nf: 32 } };
type ArchSpec = { arch: string; archOptions: Record<string, string | boolean> };
/** The architectures with a row of their own (size, cost, one forward pass). */
const ARCHITECTURE_ROWS: readonly ArchSpec[] = [
  { arch: 'multitask-unet', archOptions: { encoder: 'se_resnext50_32x4d' } },
  { arch: 'multitask-unet', archOptions: { encoder: 'se_resnext101_32x4d' } },
  { arch: 'multitask-unet', archOptions: { encoder: 'efficientnet_b3' } },
  { arch: 'multitask-unet', archOptions: { encoder: 'efficientnet_b5' } },
  { arch: 'deeplabv3-resnet50', archOptions: {} },
  { arch: 'deeplabv3-resnet101', archOptions: {} },
];
/** a forward pass at 1024 costs four at 512: run it only where that stays under this */
const LONGEST_1024_FORWARD_MS = 30_000;

const env = process.env;
const count = (name: string, fallback: number) => Math.max(1, Number(env[name] ?? fallback) || fallback);

export async function mlBench(): Promise<unknown> {
  const work = mkdtempSync(path.join(tmpdir(), 'pleura-bench-ml-'));
  try {
    const model = await writeBenchModel(work);
    const images = count('PLEURA_BENCH_ML_IMAGES', 4);
    const many = await writeRadiographs(path.join(work, 'many'), images);
    const one = await writeRadiographs(path.join(work, 'one'), 1);
    const sections = (env.PLEURA_BENCH_ML_SECTIONS ?? 'albunet,architectures,int8').split(',').map((s) => s.trim());
    const engines = sections.includes('albunet') ? ((env.PLEURA_BENCH_ML_ENGINES ?? 'onnx,tfjs').split(',').map((e) => e.trim()) as EngineName[]) : [];
    const skipSlow = env.PLEURA_BENCH_SKIP_SLOW === '1';
    const runs = [];
    const comparisons = [];
    for (const engine of engines) {
      for (const size of [512, 1024]) {
        for (const tta of ['none', 'hflip'] as const) {
          // TF.js on WASM reaches about 30 GFLOP/s: one image per setting, and at 1024 only without TTA.
          if (engine === 'tfjs' && skipSlow && (size === 1024 || tta === 'hflip')) continue;
          if (engine === 'tfjs' && size === 1024 && tta === 'hflip' && env.PLEURA_BENCH_ML_TFJS_FULL !== '1') continue;
          process.stderr.write(`bench: ml: ${engine} ${size} tta ${tta}…\n`);
          const triage = () => triageRun(model, engine === 'onnx' ? many : one, path.join(work, 'out'), { engine, size, tta });
          if (engine !== 'onnx') {
            runs.push(await triage());
            continue;
          }
          // The bare session runs right before and right after the engine: this VM's speed drifts by tens of per cent
          // over minutes, more than the 10% the comparison is about.
          const passes = tta === 'hflip' ? 2 : 1;
          const before = await bareOnnx(model, size, passes);
          const run = await triage();
          const after = await bareOnnx(model, size, passes);
          runs.push(run);
          comparisons.push(compare(run, [before, after]));
        }
      }
    }
    const interleaved = [];
    if (engines.includes('onnx')) for (const size of [512, 1024]) interleaved.push(await engineVsBare(model, size));
    const architectures = [];
    if (sections.includes('architectures')) for (const spec of ARCHITECTURE_ROWS) architectures.push(await architectureRow(work, spec));
    const int8 = sections.includes('int8') ? await int8Rows(work, model) : null;
    return {
      model: { ...ARCH, parameters: 35.1e6, weights: 'random (seed 0)' },
      sourceImage: `${SOURCE_SIZE}x${SOURCE_SIZE} 8-bit native DICOM`,
      runs,
      onnxVsBare: comparisons,
      onnxEngineVsBareInterleaved: interleaved,
      architectures,
      int8,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Phantoms the INT8 model is calibrated on, at 512 (its ranges hold at any size). */
const INT8_CALIBRATION = { images: 4, size: 512 };

/** AlbuNet fp32 against INT8 at 512 and 1024, interleaved; with the calibration's time and onnxruntime's fusions. */
async function int8Rows(work: string, modelDir: string) {
  process.stderr.write('bench: ml: INT8: calibrating…\n');
  const { definition, weights } = await loadModel(modelDir);
  const { size } = INT8_CALIBRATION;
  const calibration = Array.from({ length: INT8_CALIBRATION.images }, (_, seed) => {
    const data = new Float32Array(3 * size * size);
    writeModelInput(renderPhantom(seed, { rows: size }).image, definition.metadata.normalization, data);
    return { data, height: size, width: size };
  });
  const start = performance.now();
  const { onnx, report } = await quantizeModel(definition, weights, calibration);
  const calibrationS = +((performance.now() - start) / 1000).toFixed(1);
  const fused = await int8Fusions(work, onnx);
  const threads = availableParallelism();
  const [fp32, int8] = await Promise.all([openBareSession(modelDir), ort.InferenceSession.create(onnx, sessionOptions('cpu', threads))]);
  try {
    const rounds = count('PLEURA_BENCH_INT8_ROUNDS', 4);
    const rows = [];
    for (const inputSize of [512, 1024]) {
      process.stderr.write(`bench: ml: INT8 against fp32 at ${inputSize}, interleaved…\n`);
      const input = benchInput(inputSize);
      const fp32Ms: number[] = [];
      const int8Ms: number[] = [];
      await runBare(fp32, input, inputSize);
      await runBare(int8, input, inputSize);
      // Alternating which goes first, as engineVsBare does.
      for (let round = 0; round < rounds; round++) {
        if (round % 2) int8Ms.push(await timeMs(() => runBare(int8, input, inputSize)));
        fp32Ms.push(await timeMs(() => runBare(fp32, input, inputSize)));
        if (!(round % 2)) int8Ms.push(await timeMs(() => runBare(int8, input, inputSize)));
      }
      rows.push({
        size: inputSize,
        fp32Ms: fp32Ms.map(Math.round),
        int8Ms: int8Ms.map(Math.round),
        speedupBest: +(Math.min(...fp32Ms) / Math.min(...int8Ms)).toFixed(2),
        speedupMedianOfPairs: +median(fp32Ms.map((ms, i) => ms / int8Ms[i])).toFixed(2),
        goal: inputSize === 1024 ? 2.5 : null,
      });
    }
    return { threads, calibration: { ...INT8_CALIBRATION, seconds: calibrationS }, report, fused, rows };
  } finally {
    await Promise.all([fp32.release(), int8.release()]);
  }
}

/** Operators in onnxruntime's optimised INT8 graph: QLinearConv for each INT8 convolution, Conv only for the fp32 ones. */
async function int8Fusions(work: string, onnx: Uint8Array): Promise<Record<string, number>> {
  const file = path.join(work, 'int8.optimised.onnx');
  const session = await ort.InferenceSession.create(onnx, { ...sessionOptions('cpu', 1), optimizedModelFilePath: file });
  await session.release();
  const ops: Record<string, number> = {};
  for (const node of onnxProto.onnx.ModelProto.decode(readFileSync(file)).graph!.node!) ops[node.opType!] = (ops[node.opType!] ?? 0) + 1;
  const kept = ['QLinearConv', 'Conv', 'QLinearAdd', 'QLinearConcat', 'QuantizeLinear', 'DequantizeLinear', 'Resize', 'MaxPool'];
  return Object.fromEntries(kept.map((op) => [op, ops[op] ?? 0]));
}

export async function mlRssBench(): Promise<unknown> {
  if (process.platform !== 'linux') return { skipped: 'peak RSS is read from /proc/PID/status (Linux only)' };
  const work = mkdtempSync(path.join(tmpdir(), 'pleura-bench-rss-'));
  try {
    const images = count('PLEURA_BENCH_RSS_IMAGES', 100);
    const size = count('PLEURA_BENCH_RSS_SIZE', SOURCE_SIZE);
    const tta = (env.PLEURA_BENCH_RSS_TTA ?? 'hflip') as TtaMode;
    process.stderr.write(`bench: ml-rss: writing ${images} images…\n`);
    const folder = await writeRadiographs(path.join(work, 'images'), images);
    const model = await writeBenchModel(work);
    // The real command in a process of its own, so the figure is what a user's `pleura triage` holds, workers
    // (threads) included, and nothing this bench allocated.
    // An entry file of its own rather than --eval, whose flags the inference workers would inherit.
    const repo = path.resolve(import.meta.dirname, '../..');
    const entry = path.join(work, 'triage-entry.mts');
    writeFileSync(
      entry,
      `import { runCli } from ${JSON.stringify(path.join(repo, 'main/cli/run'))};\n` +
        `import { triage } from ${JSON.stringify(path.join(repo, 'main/cli/commands/triage'))};\n` +
        `process.exitCode = await runCli({ triage }, 'triage', process.argv.slice(2));\n`,
    );
    const args = ['--import', 'tsx', entry, folder, '--out', path.join(work, 'out'), '--model', model, '--size', String(size), '--tta', tta];
    const child = spawn(process.execPath, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let [stdout, stderr] = ['', ''];
    let done = 0;
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + String(chunk)).slice(-2000);
      for (const line of String(chunk).split('\n')) {
        if (line.startsWith('[') && ++done % 10 === 0) process.stderr.write(`bench: ml-rss: ${done}/${images}\n`);
      }
    });
    let peakKiB = 0;
    const sampler = setInterval(() => (peakKiB = Math.max(peakKiB, highWaterMarkKiB(child.pid!))), 200);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearInterval(sampler);
    if (code !== 0) return { failed: `pleura triage exited with ${code}`, stderr };
    const summary = JSON.parse(stdout);
    return {
      images: summary.triaged,
      sourceImage: `${SOURCE_SIZE}x${SOURCE_SIZE}`,
      modelInput: size,
      tta,
      peakRssMiB: Math.round(peakKiB / 1024),
      goalMiB: 1536,
      msPerImage: Math.round(summary.msPerImage),
      totalS: +(summary.totalMs / 1000).toFixed(1),
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The process's peak resident set so far (VmHWM), 0 once it has gone. */
function highWaterMarkKiB(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** AlbuNet nf 32 with seeded random weights, card size 512 (each run passes its size). */
async function writeBenchModel(work: string): Promise<string> {
  const dir = path.join(work, 'albunet');
  await writeRandomModel(dir, { ...ARCH, size: 512, seed: 0, tool: 'pleura 0.1.0', id: 'albunet-bench', version: 'random' });
  return dir;
}

/** One architecture's size, convolution GFLOP and bare onnxruntime forward time (batch 1, median of two after a warm-up). */
async function architectureRow(work: string, spec: ArchSpec) {
  const name = [spec.arch, ...Object.values(spec.archOptions)].join('-');
  process.stderr.write(`bench: ml: ${name}…\n`);
  const { graph } = buildArchitecture(spec.arch, spec.archOptions);
  const gflop = (size: number) => +(countFlops(graph, { height: size, width: size }).conv / 1e9).toFixed(1);
  const dir = path.join(work, name);
  await writeRandomModel(dir, { ...spec, size: 512, seed: 0, tool: 'pleura 0.1.0', id: name, version: 'random' });
  try {
    const forward512 = await bareOnnx(dir, 512, 1);
    const forward1024 = forward512 * 4 < LONGEST_1024_FORWARD_MS ? await bareOnnx(dir, 1024, 1) : null;
    return {
      ...spec,
      parameters: countParameters(graph),
      gflop512: gflop(512),
      gflop1024: gflop(1024),
      onnxForwardMs512: Math.round(forward512),
      onnxForwardMs1024: forward1024 === null ? `not run (about ${Math.round((forward512 * 4) / 1000)} s expected)` : Math.round(forward1024),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `n` 1024 x 1024 8-bit radiograph-like images (smooth field, two dark lung fields, noise), native encoding. */
async function writeRadiographs(dir: string, n: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  let seed = 1;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let k = 0; k < n; k++) {
    const pixels = new Uint16Array(SOURCE_SIZE * SOURCE_SIZE);
    for (let row = 0; row < SOURCE_SIZE; row++) {
      for (let column = 0; column < SOURCE_SIZE; column++) {
        const x = column / SOURCE_SIZE - 0.5;
        const y = row / SOURCE_SIZE - 0.5;
        const lung = Math.exp(-(((Math.abs(x) - 0.2) / 0.14) ** 2 + (y / 0.3) ** 2));
        pixels[row * SOURCE_SIZE + column] = Math.max(0, Math.min(255, Math.round(170 - 110 * lung + 40 * y + 12 * (random() - 0.5) + k)));
      }
    }
    const uid = `1.2.826.0.1.3680043.10.1515.900.${k + 1}`;
    await writeSyntheticDicom(path.join(dir, `IM${String(k + 1).padStart(5, '0')}.dcm`), {
      patientId: `BENCH${k + 1}`,
      studyUid: `${uid}.1`,
      seriesUid: `${uid}.1.1`,
      sopUid: `${uid}.1.1.1`,
      rows: SOURCE_SIZE,
      columns: SOURCE_SIZE,
      bitsStored: 8,
      pixels,
    });
  }
  return dir;
}

type RunSetting = { engine: EngineName; size: number; tta: TtaMode };

async function triageRun(model: string, folder: string, out: string, setting: RunSetting) {
  const loadStart = performance.now();
  const members = await loadEnsemble([model], { engine: setting.engine });
  const loadMs = performance.now() - loadStart;
  const spans: Span[] = [];
  try {
    const report = await triageFolder({ folder, out, members, size: setting.size, tta: setting.tta, onSpan: (span) => spans.push(span) });
    const images = report.images.filter((image): image is TriagedImage => image.status === 'ok');
    // The first image pays for the engine's warm-up (kernel selection, buffer allocation): kept apart.
    const steady = images.length > 1 ? images.slice(1) : images;
    const phases = (['decodeMs', 'preprocessMs', 'modelMs', 'postprocessMs'] as const).map((phase) => [phase, median(steady.map((i) => i.timings[phase]))] as const);
    const perImage = Object.fromEntries(phases.map(([phase, ms]) => [phase, Math.round(ms)]));
    const modelMs = median(steady.map((i) => i.timings.modelMs));
    const flops = countFlops(buildArchitecture(ARCH.arch, ARCH.archOptions, setting.size).graph, { height: setting.size, width: setting.size }).conv;
    const passes = setting.tta === 'hflip' ? 2 : 1;
    const first = (stage: Span['stage']) => Math.min(...spans.filter((s) => s.stage === stage).map((s) => s.start));
    const last = (stage: Span['stage']) => Math.max(...spans.filter((s) => s.stage === stage).map((s) => s.end));
    const wallMs = last('finish') - first('decode');
    const sumOfPhasesMs = images.reduce((sum, i) => sum + Object.values(i.timings).reduce((a, b) => a + b, 0), 0);
    // Throughput once running: from the first image's result to the last's, per image.
    const finishEnds = spans.filter((s) => s.stage === 'finish').map((s) => s.end).sort((a, b) => a - b);
    const steadyMsPerImage = finishEnds.length > 1 ? (finishEnds[finishEnds.length - 1] - finishEnds[0]) / (finishEnds.length - 1) : wallMs;
    return {
      ...setting,
      engineDescription: report.models[0].engine,
      images: images.length,
      loadMs: Math.round(loadMs),
      firstImageMs: Object.fromEntries(Object.entries(images[0].timings).map(([k, v]) => [k, Math.round(v)])),
      perImageMedianMs: perImage,
      gflop: +((flops * passes) / 1e9).toFixed(1),
      gflopPerS: +((flops * passes) / 1e9 / (modelMs / 1000)).toFixed(1),
      endToEndMsPerImage: Math.round(steadyMsPerImage),
      overlap: { wallMs: Math.round(wallMs), sumOfPhasesMs: Math.round(sumOfPhasesMs), savedMs: Math.round(sumOfPhasesMs - wallMs) },
    };
  } finally {
    await disposeEnsemble(members);
  }
}

/**
 * The same graph in a plain onnxruntime session with the engine's session options, making the engine's forward passes
 * (flip TTA: two batch-1 passes, as the engine runs them to hold one image's activations at a time): the model floor.
 */
async function bareOnnx(model: string, size: number, passes: number) {
  process.stderr.write(`bench: ml: bare onnxruntime ${size}, ${passes} pass(es)…\n`);
  const session = await openBareSession(model);
  try {
    const input = benchInput(size);
    const run = () =>
      timeMs(async () => {
        for (let pass = 0; pass < passes; pass++) await runBare(session, input, size);
      });
    await run();
    return median([await run(), await run()]);
  } finally {
    await session.release();
  }
}

function openBareSession(model: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path.join(model, ONNX_FILE), sessionOptions('cpu', availableParallelism()));
}

function runBare(session: ort.InferenceSession, input: Float32Array, size: number) {
  return session.run({ image: new ort.Tensor('float32', input, [1, 3, size, size]) });
}

/** One [1, 3, size, size] model input, the same every time. */
function benchInput(size: number): Float32Array {
  return new Float32Array(3 * size * size).map((_, i) => ((i * 2654435761) % 256) / 255);
}

async function timeMs(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

/**
 * The onnx engine's end-to-end time per image against the bare session's, measured around it (goal: within 10%),
 * and against the engine's own model phase in the same run (what the pipeline adds, free of the machine's drift).
 */
function compare(run: Awaited<ReturnType<typeof triageRun>>, bareMs: readonly number[]) {
  const floorMs = bareMs.reduce((a, b) => a + b, 0) / bareMs.length;
  return {
    size: run.size,
    tta: run.tta,
    endToEndMs: run.endToEndMsPerImage,
    bareSessionMs: { before: Math.round(bareMs[0]), after: Math.round(bareMs[bareMs.length - 1]) },
    ratio: +(run.endToEndMsPerImage / floorMs).toFixed(3),
    endToEndOverModelPhase: +(run.endToEndMsPerImage / run.perImageMedianMs.modelMs).toFixed(3),
    goal: 1.1,
  };
}

/**
 * One forward pass through the onnx engine (its worker, the transfers, the session) and through a bare session in
 * this thread, alternated on the same input: drift hits both alike, so the ratio is what the engine adds to the model.
 */
async function engineVsBare(model: string, size: number) {
  process.stderr.write(`bench: ml: onnx engine against a bare session at ${size}, interleaved…\n`);
  const [member] = await loadEnsemble([model], { engine: 'onnx' });
  const session = await openBareSession(model);
  try {
    const input = benchInput(size);
    // The engine takes its input's buffer: each call gets a copy, as the pipeline's preprocessed image is its own.
    const throughEngine = () => timeMs(() => member.engine.predict(input.slice(), 1, size, size));
    const bare = () => timeMs(() => runBare(session, input, size));
    await throughEngine();
    await bare();
    const engineMs: number[] = [];
    const bareMs: number[] = [];
    // Alternating which goes first, so neither always runs on the other's warmed caches or after its idle gap.
    for (let round = 0; round < 6; round++) {
      if (round % 2) bareMs.push(await bare());
      engineMs.push(await throughEngine());
      if (!(round % 2)) bareMs.push(await bare());
    }
    const ratios = engineMs.map((ms, i) => ms / bareMs[i]);
    return { size, engineMedianMs: Math.round(median(engineMs)), bareMedianMs: Math.round(median(bareMs)), medianRatio: +median(ratios).toFixed(3) };
  } finally {
    await session.release();
    await disposeEnsemble([member]);
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
