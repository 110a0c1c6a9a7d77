// A model set: several models and how they combine, installed and chosen as one unit. It is a folder holding set.json
// (the set's one card: its id and version, its members, the combination and the rule, and how a stacking meta-model
// was fitted) and members/<id>@<version>/, each an ordinary model folder. Written all at once, like a model folder.
import { copyFile, lstat, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Stacking } from '../infer/pipeline';
import { rulePresets, type PostProcessRule } from '../post/rules';
import { checkReplaceable, publishFolder, type PublishOptions } from './atomic-folder';
import { cardWithoutLocalPaths } from './local-paths';
import { CARD_FILE, CardThresholds, cardRule, FolderPart, modelRef, Sha256, Timestamp, type ModelCard } from './model-card';
import { invalidFile, ModelFolderError } from './model-folder-error';
import { loadModel, readModelCard } from './model-store';
import { sha256 } from './sha256';

export const SET_FILE = 'set.json';
export const MEMBERS_FOLDER = 'members';
/** set.json is read whole: a card of members and figures is a few kB, so anything near this size is not one. */
export const MAX_SET_FILE_BYTES = 256 * 1024;
export const MAX_SET_MEMBERS = 16;
/** the output a classifier member's P(non-empty) comes from */
const CLASSIFIER_OUTPUT = 'cls_logit';

const Probability = z.number().min(0).max(1);

const Member = z
  .object({
    id: FolderPart,
    version: FolderPart,
    /** 'segmentation' members draw the map (averaged with their weights); 'classifier' members feed the meta-model */
    role: z.enum(['segmentation', 'classifier']),
    /** a segmentation member's averaging weight; null for a classifier */
    weight: z.number().positive().max(100).nullable(),
    /** sha256 of the member's card.json as the set was made: the set names exactly these models */
    cardSha256: Sha256,
  })
  .strict();
export type SetMember = z.infer<typeof Member>;

const Metrics = z
  .object({
    /** null when the images hold one class only (cannot happen for a fitted set, kept for honest reading) */
    auc: Probability.nullable(),
    sensitivity: Probability,
    specificity: Probability,
    accuracy: Probability,
    logLoss: z.number().nonnegative(),
  })
  .strict();

/** How the meta-model was fitted: on what, how its metrics were kept out-of-fold, and those metrics. */
const StackingRecord = z
  .object({
    /** the labelled data as a name, never a local path */
    data: z.string().min(1).max(500),
    images: z.number().int().positive(),
    positives: z.number().int().nonnegative(),
    folds: z.number().int().min(2).max(100),
    seed: z.number().int(),
    ridge: z.number().nonnegative(),
    /**
     * Why each classifier's predictions on these images are out-of-fold: 'held-out-folder' — the images are not
     * the ones it trained on (checked against the classifier cards' training records where they have one).
     */
    predictions: z.literal('held-out-folder'),
    outOfFold: Metrics,
  })
  .strict()
  .refine((fit) => fit.positives <= fit.images, { path: ['positives'], message: 'more positives than images' });

const MetaModel = z
  .object({
    weights: z.array(z.number()).min(1).max(MAX_SET_MEMBERS),
    bias: z.number(),
    /** an image is positive when the meta-model's P(pneumothorax) ≥ threshold */
    threshold: Probability,
  })
  .strict();

export const SetCombination = z.discriminatedUnion('kind', [
  /** the segmentation members' maps averaged with their weights, then the rule */
  z.object({ kind: z.literal('average'), thresholds: CardThresholds }).strict(),
  /**
   * The 2nd place's two stages: the classifiers' P(non-empty), stacked by the meta-model, decide whether the image
   * has a pneumothorax; a positive image's mask is the segmentation members' average above maskThreshold.
   */
  z.object({ kind: z.literal('two-stage'), metaModel: MetaModel, maskThreshold: Probability, fit: StackingRecord }).strict(),
]);
export type SetCombination = z.infer<typeof SetCombination>;

export const ModelSetCard = z
  .object({
    format: z.literal('pleura-model-set'),
    formatVersion: z.literal(1),
    id: FolderPart,
    version: FolderPart,
    createdAt: Timestamp,
    tool: z.string().regex(/^pleura \d+\.\d+/, 'expected "pleura <version>"'),
    notes: z.string().max(10_000),
    members: z.array(Member).min(1).max(MAX_SET_MEMBERS),
    combination: SetCombination,
  })
  .strict()
  .superRefine((set, context) => {
    const refs = set.members.map(modelRef);
    refs.forEach((ref, k) => {
      if (refs.indexOf(ref) !== k) context.addIssue({ code: 'custom', path: ['members', k], message: `${ref} is listed twice` });
    });
    set.members.forEach((member, k) => {
      if ((member.role === 'classifier') !== (member.weight === null)) {
        context.addIssue({ code: 'custom', path: ['members', k, 'weight'], message: 'a segmentation member has a weight, a classifier none' });
      }
    });
    const classifiers = set.members.filter((member) => member.role === 'classifier').length;
    const { combination } = set;
    if (combination.kind === 'average' && classifiers > 0) {
      context.addIssue({ code: 'custom', path: ['members'], message: 'an average set has segmentation members only' });
    }
    if (combination.kind === 'two-stage') {
      if (classifiers === 0 || classifiers === set.members.length) {
        context.addIssue({ code: 'custom', path: ['members'], message: 'a two-stage set needs at least one classifier and one segmentation member' });
      }
      if (combination.metaModel.weights.length !== classifiers) {
        context.addIssue({ code: 'custom', path: ['combination', 'metaModel', 'weights'], message: `one weight per classifier member: ${classifiers}` });
      }
    }
  });
export type ModelSetCard = z.infer<typeof ModelSetCard>;

/** Validates a parsed set card; the error names the source and every offending field by its dotted path. */
export function parseModelSetCard(value: unknown, source = SET_FILE): ModelSetCard {
  const result = ModelSetCard.safeParse(value);
  if (result.success) return result.data;
  throw invalidFile(source, result.error, 'not a valid model set');
}

/** Whether `dir` is a model set (it holds set.json) rather than a model folder. */
export async function isModelSet(dir: string): Promise<boolean> {
  try {
    return (await lstat(path.join(dir, SET_FILE))).isFile();
  } catch {
    return false;
  }
}

/** The set's card, size-limited and validated; the members are not opened (cheap: for listings). */
export async function readModelSetCard(dir: string): Promise<ModelSetCard> {
  const file = path.join(dir, SET_FILE);
  let stat;
  try {
    stat = await lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ModelFolderError(`${file} is missing (every model set has one)`);
    throw new ModelFolderError(`${file}: cannot read: ${(error as Error).message}`);
  }
  // A link could point anywhere, at anything of any size: only a plain file is measured and read.
  if (!stat.isFile()) throw new ModelFolderError(`${file} is not a plain file (a link or a folder); refusing to read it`);
  if (stat.size > MAX_SET_FILE_BYTES) throw new ModelFolderError(`${file} is ${stat.size} bytes; a model set card is at most ${MAX_SET_FILE_BYTES}`);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ModelFolderError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  return parseModelSetCard(json, file);
}

/** Where a member's model folder lies inside its set. */
export function memberDir(setDir: string, member: Pick<SetMember, 'id' | 'version'>): string {
  return path.join(setDir, MEMBERS_FOLDER, modelRef(member));
}

/** A member with its card; its folder is memberDir(setDir, member), so a listing carries no local path. */
export type LoadedSetMember = SetMember & { card: ModelCard };

/** The set's card and each member's card, every member card checked against the hash the set recorded. */
export async function readModelSet(dir: string): Promise<{ card: ModelSetCard; members: LoadedSetMember[] }> {
  const card = await readModelSetCard(dir);
  const members = await Promise.all(
    card.members.map(async (member) => {
      const folder = memberDir(dir, member);
      const cardFile = path.join(folder, CARD_FILE);
      const bytes = await readFile(cardFile).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') throw new ModelFolderError(`${cardFile} is missing (${SET_FILE} lists ${modelRef(member)})`);
        throw new ModelFolderError(`${cardFile}: cannot read: ${error.message}`);
      });
      if (sha256(bytes) !== member.cardSha256) throw new ModelFolderError(`${cardFile}: its sha256 differs from the one in ${SET_FILE}: the member was changed or replaced`);
      const memberCard = await readModelCard(folder);
      if (modelRef(memberCard) !== modelRef(member)) throw new ModelFolderError(`${cardFile} describes ${modelRef(memberCard)}, not ${modelRef(member)}`);
      return { ...member, card: memberCard };
    }),
  );
  return { card, members };
}

/** The rule a set's images are judged by: an average set's own; a two-stage set's is its classifier stage. */
export function setRule(card: Pick<ModelSetCard, 'combination'>): PostProcessRule {
  const { combination } = card;
  if (combination.kind === 'average') return cardRule(combination);
  // The classifier gate with no area condition is exactly the two-stage decision: empty when the stacked
  // P(pneumothorax) is under the meta-model's threshold, else p > maskThreshold (its flag follows the mask).
  const { threshold } = combination.metaModel;
  return { kind: 'classifier-gate', minNonEmptyProbability: threshold, strongThreshold: combination.maskThreshold, minStrongArea: 0, maskThreshold: combination.maskThreshold };
}

/**
 * How inference runs a set's members, in the card's order: each member's weight in the averaged map (0 for a
 * classifier, which runs for its P(non-empty) only) and, for a two-stage set, the stacking of the classifiers.
 */
export function setEnsemble(card: Pick<ModelSetCard, 'members' | 'combination'>): { weights: number[]; stacking: Stacking | null } {
  const weights = card.members.map((member) => member.weight ?? 0);
  const { combination } = card;
  if (combination.kind === 'average') return { weights, stacking: null };
  const classifiers = card.members.flatMap((member, k) => (member.role === 'classifier' ? [k] : []));
  return { weights, stacking: { classifiers, meta: { weights: combination.metaModel.weights, bias: combination.metaModel.bias } } };
}

/**
 * The mask threshold of a two-stage set. The 2nd place's summary does not give one; 0.5 is the 3rd place's fixed
 * threshold (science.md), the midpoint of a probability, with no search on the set's data.
 */
export const TWO_STAGE_MASK_THRESHOLD = rulePresets['third-place'].maskThreshold;

/** Each member's model folder, verified whole (every file's sha256, every tensor) before the set is written. */
export type SetToWrite = { card: Omit<ModelSetCard, 'members'>; members: (Omit<SetMember, 'id' | 'version' | 'cardSha256'> & { dir: string })[] };

/**
 * Writes the set folder `out` atomically: each member folder verified and copied in, then set.json with the
 * members' ids, versions and card hashes. Returns the card as written.
 */
export async function writeModelSet(out: string, set: SetToWrite, options: PublishOptions = {}): Promise<ModelSetCard> {
  await checkReplaceable(out, options.overwrite);
  const loaded: { member: SetToWrite['members'][number]; card: ModelCard }[] = [];
  for (const member of set.members) {
    const { card } = await loadModel(member.dir);
    if (member.role === 'classifier') checkClassifier(card, member.dir);
    loaded.push({ member, card });
  }
  const card = parseModelSetCard(
    cardWithoutLocalPaths({
      ...set.card,
      members: await Promise.all(
        loaded.map(async ({ member: { dir, ...member }, card: memberCard }) => ({
          id: memberCard.id,
          version: memberCard.version,
          ...member,
          cardSha256: sha256(await readFile(path.join(dir, CARD_FILE))),
        })),
      ),
    }),
  );
  await publishFolder(
    out,
    async (temp) => {
      for (const { member, card: memberCard } of loaded) await copyModelFolder(member.dir, memberDir(temp, memberCard), memberCard);
      await writeFile(path.join(temp, SET_FILE), `${JSON.stringify(card, null, 2)}\n`);
    },
    options,
  );
  return card;
}

/** Throws unless the model has a classification head, whose P(non-empty) a classifier member feeds the meta-model. */
export function checkClassifier(card: ModelCard, dir: string): void {
  if (!card.outputs.includes(CLASSIFIER_OUTPUT)) {
    throw new ModelFolderError(`${dir}: ${modelRef(card)} (${card.architecture.name}) has no classification head (${CLASSIFIER_OUTPUT}), so it cannot be a classifier of the set`);
  }
}

/** Verifies a set folder whole: its card, every member card's hash, every member's files and tensors. */
export async function verifyModelSet(dir: string): Promise<{ card: ModelSetCard; members: LoadedSetMember[] }> {
  const set = await readModelSet(dir);
  for (const member of set.members) await loadModel(memberDir(dir, member));
  return set;
}

/** Copies the files a model card lists (and the card) from one model folder into a new one. */
export async function copyModelFolder(srcDir: string, destDir: string, card: ModelCard): Promise<void> {
  await mkdir(destDir, { recursive: true });
  const files = [CARD_FILE, card.files.manifest.path, card.files.weights.path, card.files.onnx.path];
  for (const file of files) await copyFile(path.join(srcDir, file), path.join(destDir, file));
}
