import type { CliCommand } from '../run';
import { info } from './info';
import { decode } from './decode';
import { scan } from './scan';
import { serve } from './serve';
import { score } from './score';
import { rle } from './rle';
import { importTorch } from './import-torch';
import { exportTorch } from './export-torch';
import { models } from './models';
import { predict } from './predict';
import { triage } from './triage';
import { phantoms } from './phantoms';
import { train } from './train';
import { pacs } from './pacs';

export const commands: Record<string, CliCommand> = {
  info,
  decode,
  scan,
  serve,
  score,
  rle,
  'import-torch': importTorch,
  'export-torch': exportTorch,
  models,
  predict,
  triage,
  phantoms,
  train,
  pacs,
};
