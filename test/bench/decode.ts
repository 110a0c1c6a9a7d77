// Decode milliseconds per transfer syntax on the real files in ../shared/data (in this process, one thread):
// starting each WASM codec is timed first and apart, then each file's first decode and the median of a few more.
import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeBytes } from '../../main/studies/dicom';
import { charls, dcmjsCodecs, libjpegTurbo, openjpeg } from '../../main/studies/dicom/codecs/wasm';
import { hasSharedData, sharedDataDir, sharedFile } from '../support/shared-data';

const RUNS = 3;

export async function decodeBench(): Promise<unknown> {
  if (!hasSharedData) return { skipped: `${sharedDataDir} is absent (the real DICOM test data lives there)` };
  const files = ['codecs', 'cxr', 'siim'].flatMap((dir) =>
    readdirSync(sharedFile(dir))
      .filter((f) => f.endsWith('.dcm'))
      .map((f) => sharedFile(dir, f)),
  );
  const wasmStartMs: Record<string, number> = {};
  for (const [name, start] of Object.entries({ libjpegTurbo, charls, openjpeg, dcmjsCodecs })) {
    const t = performance.now();
    await start();
    wasmStartMs[name] = Math.round(performance.now() - t);
  }
  const rows = [];
  for (const file of files) {
    const bytes = await readFile(file);
    const first = await decodeBytes(bytes, file);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push((await decodeBytes(bytes, file)).decodeMs);
    times.sort((a, b) => a - b);
    rows.push({
      file: path.relative(sharedDataDir, file),
      transferSyntax: first.info.transferSyntaxName,
      size: `${first.rows}x${first.columns}`,
      megabytes: +(bytes.length / 2 ** 20).toFixed(2),
      firstMs: Math.round(first.decodeMs),
      medianMs: Math.round(times[Math.floor(RUNS / 2)]),
    });
  }
  return { runs: RUNS, wasmStartMs, files: rows };
}
