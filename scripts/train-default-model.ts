// `npm run train:default-model [-- --quick] [--out DIR] [--work DIR]`: rebuilds the bundled demonstration model
// (main/training/default-model.ts) into models/pleura-demo/. --quick runs the same pipeline in seconds (tests).
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { FULL_RECIPE, QUICK_RECIPE, trainDefaultModel } from '../main/training/default-model';
import { progressLine } from '../main/training/progress-text';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, out: { type: 'string' }, work: { type: 'string' } },
  strict: true,
});
const out = path.resolve(values.out ?? path.join('models', 'pleura-demo'));
const work = path.resolve(values.work ?? path.join(os.tmpdir(), 'pleura-default-model'));
let last = 0;
const card = await trainDefaultModel({
  out,
  work,
  recipe: values.quick ? QUICK_RECIPE : FULL_RECIPE,
  log: (line) => process.stderr.write(`${line}\n`),
  onProgress: (progress) => {
    if (progress.valDice === undefined && Date.now() - last < 5000) return;
    last = Date.now();
    process.stderr.write(`${progressLine(progress)}\n`);
  },
});
process.stdout.write(`${JSON.stringify({ out, model: `${card.id}@${card.version}`, metrics: card.metrics })}\n`);
