// The models installed in Pleura's data directory: <dataDir>/models/<id>@<version>/, each a complete model folder
// or model set (ml/io/model-set: one unit, listed once) written once and never changed, and
// <dataDir>/models/current.json naming the one in use.
// The pointer is a small JSON file replaced by write-then-rename, not a symlink: on Windows symlinks need
// administrator rights or Developer Mode, and copying, syncing and backup tools often drop or mangle them.
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { publishFolder } from '../../ml/io/atomic-folder';
import { CARD_FILE, modelRef, parseModelRef, type ModelCard } from '../../ml/io/model-card';
import { invalidFile, ModelFolderError } from '../../ml/io/model-folder-error';
import { loadModel, readModelCard } from '../../ml/io/model-store';
import { copyModelFolder, isModelSet, memberDir, readModelSet, SET_FILE, verifyModelSet, type LoadedSetMember, type ModelSetCard } from '../../ml/io/model-set';
import { resolveDataDir } from '../services/data-dir';
import { writeFileAtomically } from '../fs/atomic-file';

export const CURRENT_FILE = 'current.json';

const Pointer = z.object({ model: z.string(), setAt: z.iso.datetime() }).strict();

export interface InstalledModel {
  /** `<id>@<version>` */
  ref: string;
  dir: string;
  card: ModelCard;
}

/** An installed model set: its card and its members' (read, each member card checked against the set's hash). */
export interface InstalledSet {
  ref: string;
  dir: string;
  set: ModelSetCard;
  members: LoadedSetMember[];
}

/** What can be current or an ensemble member: a model, or a set as one unit. */
export type InstalledUnit = (InstalledModel & { set?: undefined }) | (InstalledSet & { card?: undefined });

/** A folder under models/ as a listing shows it: its card (a model's or a set's), or why it has none usable. */
export type ModelListing = { ref: string; dir: string; current: boolean } & (
  | { card: ModelCard; set?: undefined; error: null }
  | { card: null; set: ModelSetCard; members: LoadedSetMember[]; error: null }
  | { card: null; set?: undefined; error: string }
);

export interface ModelLibrary {
  /** <dataDir>/models */
  root: string;
  /** every installed folder, sorted by reference, broken ones included with their error */
  listModels(): Promise<ModelListing[]>;
  /** null when no model has been made current; refuses a current model set (a set cannot stand in for one model) */
  currentModel(): Promise<InstalledModel | null>;
  /** the current model or model set; null when none has been made current */
  currentUnit(): Promise<InstalledUnit | null>;
  /** verifies the model folder (every hash, every tensor), then copies it in under `<id>@<version>` all at once */
  installModel(srcDir: string): Promise<InstalledModel>;
  /** installModel for a model folder or a model set (every member verified, the set copied in as one folder) */
  installUnit(srcDir: string): Promise<InstalledUnit>;
  /** makes a model current; a set is refused (setCurrentUnit takes both) */
  setCurrent(ref: string): Promise<InstalledModel>;
  setCurrentUnit(ref: string): Promise<InstalledUnit>;
}

export function createModelLibrary(dataDir: string = resolveDataDir()): ModelLibrary {
  const root = path.join(dataDir, 'models');
  const pointerFile = path.join(root, CURRENT_FILE);

  /** The folder `ref`'s card (a model's or a set's), which must carry the same id and version as the folder's name. */
  async function cardOf(ref: string): Promise<InstalledUnit> {
    const dir = path.join(root, ref);
    if (await isModelSet(dir)) {
      const { card: set, members } = await readModelSet(dir);
      if (modelRef(set) !== ref) throw new ModelFolderError(`${path.join(dir, SET_FILE)} describes ${modelRef(set)}, not ${ref}`);
      return { ref, dir, set, members };
    }
    const card = await readModelCard(dir);
    if (modelRef(card) !== ref) throw new ModelFolderError(`${path.join(dir, CARD_FILE)} describes ${modelRef(card)}, not ${ref}`);
    return { ref, dir, card };
  }

  async function installed(ref: string): Promise<InstalledUnit> {
    parseModelRef(ref);
    const names = await folderNames();
    if (!names.includes(ref)) throw new ModelFolderError(`${ref} is not installed in ${root}; installed: ${names.join(', ') || 'none'}`);
    return cardOf(ref);
  }

  /** Model folders only: temporary folders of an install in progress start with a dot, the pointer is a file. */
  async function folderNames(): Promise<string[]> {
    const entries = await readdir(root, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  }

  async function currentRef(): Promise<string | null> {
    let text: string;
    try {
      text = await readFile(pointerFile, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ModelFolderError(`${pointerFile} is not valid JSON: ${(error as Error).message}`);
    }
    const pointer = Pointer.safeParse(json);
    if (!pointer.success) throw invalidFile(pointerFile, pointer.error, 'not a current-model pointer');
    return pointer.data.model;
  }

  return {
    root,

    async listModels() {
      const current = await currentRef().catch(() => null);
      return Promise.all(
        (await folderNames()).map(async (ref): Promise<ModelListing> => {
          const base = { ref, dir: path.join(root, ref), current: ref === current };
          try {
            const unit = await cardOf(ref);
            return unit.set ? { ...base, card: null, set: unit.set, members: unit.members, error: null } : { ...base, card: unit.card, error: null };
          } catch (error) {
            return { ...base, card: null, error: (error as Error).message };
          }
        }),
      );
    },

    async currentModel() {
      const unit = await this.currentUnit();
      if (unit?.set) throw notAModel(unit.ref);
      return unit;
    },

    async currentUnit() {
      const ref = await currentRef();
      if (ref === null) return null;
      try {
        return await installed(ref);
      } catch (error) {
        throw new ModelFolderError(`${pointerFile} names ${ref}, which cannot be used: ${(error as Error).message}`);
      }
    },

    async installModel(srcDir) {
      if (await isModelSet(srcDir)) throw new ModelFolderError(`${srcDir} is a model set (several models and how they combine), not one model`);
      return installModelFolder(srcDir);
    },

    async installUnit(srcDir) {
      if (!(await isModelSet(srcDir))) return installModelFolder(srcDir);
      const { card: set, members } = await verifyModelSet(srcDir);
      const ref = modelRef(set);
      await publishFolder(path.join(root, ref), async (temp) => {
        for (const member of members) await copyModelFolder(memberDir(srcDir, member), memberDir(temp, member), member.card);
        await copyFile(path.join(srcDir, SET_FILE), path.join(temp, SET_FILE));
      });
      return cardOf(ref);
    },

    async setCurrent(ref) {
      const unit = await installed(ref);
      if (unit.set) throw notAModel(ref);
      await pointTo(ref);
      return unit;
    },

    async setCurrentUnit(ref) {
      const unit = await installed(ref);
      await pointTo(ref);
      return unit;
    },
  };

  async function installModelFolder(srcDir: string): Promise<InstalledModel> {
    const { card } = await loadModel(srcDir);
    const ref = modelRef(card);
    const dir = path.join(root, ref);
    await publishFolder(dir, (temp) => copyModelFolder(srcDir, temp, card));
    return { ref, dir, card };
  }

  async function pointTo(ref: string): Promise<void> {
    await mkdir(root, { recursive: true });
    await writeFileAtomically(pointerFile, `${JSON.stringify({ model: ref, setAt: new Date().toISOString() }, null, 2)}\n`);
  }
}

/** Where one model is needed (fine-tuning, comparing, the API's model card), a set cannot stand in. */
function notAModel(ref: string): ModelFolderError {
  return new ModelFolderError(`${ref} is a model set (several models and how they combine), not one model; make a set current with \`pleura models set-current\``);
}
