// The trained model goes into MODELDIR itself, beside checkpoints/ and the log, so `loadModel(MODELDIR)` works.
// writeModel publishes whole folders, so it writes into a hidden folder inside MODELDIR; the files then move up one
// by one with card.json last: a reader that finds a card finds every file it lists.
import { readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { CARD_FILE, type ModelCard } from '../../ml/io/model-card';
import { writeModel, type ModelToWrite } from '../../ml/io/model-store';

export async function publishModelBesideCheckpoints(dir: string, model: ModelToWrite): Promise<ModelCard> {
  const staging = path.join(dir, '.model');
  await rm(staging, { recursive: true, force: true });
  try {
    const card = await writeModel(staging, model);
    const files = (await readdir(staging)).filter((name) => name !== CARD_FILE);
    for (const name of [...files, CARD_FILE]) await rename(path.join(staging, name), path.join(dir, name));
    return card;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
