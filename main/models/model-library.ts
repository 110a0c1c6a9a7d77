// The models installed in Pleura's data directory: <dataDir>/models/<id>@<version>/, each a complete model folder
// written once and never changed, and <dataDir>/models/current.json naming the one in use.
// The pointer is a small JSON file replaced by write-then-rename, not a symlink: on Windows symlinks need
// administrator rights or Developer Mode, and copying, syncing and backup tools often drop or mangle them.
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { publishFolder } from '../../ml/io/atomic-folder';
import { CARD_FILE, modelRef, parseModelRef, type ModelCard } from '../../ml/io/model-card';
import { invalidFile, ModelFolderError } from '../../ml/io/model-folder-error';
import { loadModel, readModelCard } from '../../ml/io/model-store';
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

/** A folder under models/ as a listing shows it: its card, or why it has none usable. */
export type ModelListing = { ref: string; dir: string; current: boolean } & ({ card: ModelCard; error: null } | { card: null; error: string });

export interface ModelLibrary {
  /** <dataDir>/models */
  root: string;
  /** every installed folder, sorted by reference, broken ones included with their error */
  listModels(): Promise<ModelListing[]>;
  /** null when no model has been made current */
  currentModel(): Promise<InstalledModel | null>;
  /** verifies the folder (every hash, every tensor), then copies it in under `<id>@<version>` all at once */
  installModel(srcDir: string): Promise<InstalledModel>;
  setCurrent(ref: string): Promise<InstalledModel>;
}

export function createModelLibrary(dataDir: string = resolveDataDir()): ModelLibrary {
  const root = path.join(dataDir, 'models');
  const pointerFile = path.join(root, CURRENT_FILE);

  /** The folder `ref`'s card, which must carry the same id and version as the folder's name. */
  async function cardOf(ref: string): Promise<InstalledModel> {
    const dir = path.join(root, ref);
    const card = await readModelCard(dir);
    if (modelRef(card) !== ref) throw new ModelFolderError(`${path.join(dir, CARD_FILE)} describes ${modelRef(card)}, not ${ref}`);
    return { ref, dir, card };
  }

  async function installed(ref: string): Promise<InstalledModel> {
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
            return { ...base, ...(await cardOf(ref)), error: null };
          } catch (error) {
            return { ...base, card: null, error: (error as Error).message };
          }
        }),
      );
    },

    async currentModel() {
      const ref = await currentRef();
      if (ref === null) return null;
      try {
        return await installed(ref);
      } catch (error) {
        throw new ModelFolderError(`${pointerFile} names ${ref}, which cannot be used: ${(error as Error).message}`);
      }
    },

    async installModel(srcDir) {
      const { card } = await loadModel(srcDir);
      const ref = modelRef(card);
      const dir = path.join(root, ref);
      const files = [CARD_FILE, card.files.manifest.path, card.files.weights.path, card.files.onnx.path];
      await publishFolder(dir, async (temp) => {
        for (const file of files) await copyFile(path.join(srcDir, file), path.join(temp, file));
      });
      return { ref, dir, card };
    },

    async setCurrent(ref) {
      const model = await installed(ref);
      await mkdir(root, { recursive: true });
      await writeFileAtomically(pointerFile, `${JSON.stringify({ model: ref, setAt: new Date().toISOString() }, null, 2)}\n`);
      return model;
    },
  };
}
