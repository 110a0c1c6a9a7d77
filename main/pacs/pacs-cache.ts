// Where retrieved and received images live: <dataDir>/pacs-cache/<study>/<instance>.dcm, indexed like any folder.
// A file arrives whole or not at all: it is written in the hidden .incoming folder (which a scan never enters) and
// renamed into its study's folder only when complete, so an interrupted transfer leaves nothing half-indexed.
import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { uidFileStem } from '../fs/contained-path';
import type { InstanceRef } from './peers';

export interface PacsCache {
  root: string;
  /** creates the cache (and empties its staging area) on first need: a data directory that never met a PACS has none */
  ensure(): void;
  /** a fresh name in the staging folder for one transfer */
  stagingFile(): string;
  /** a folder in the staging area for a transfer that brings several files (C-GET, C-MOVE) */
  stagingFolder(): Promise<string>;
  /** moves a complete staged file to its place; returns the final path */
  place(staged: string, ref: InstanceRef): Promise<string>;
  discard(staged: string): Promise<void>;
}

export function openPacsCache(dataDir: string): PacsCache {
  const root = path.join(dataDir, 'pacs-cache');
  const staging = path.join(root, '.incoming');
  let ready = false;
  const ensure = () => {
    if (ready) return;
    // What a killed process left in staging is incomplete by definition.
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    ready = true;
  };
  return {
    root,
    ensure,
    stagingFile() {
      ensure();
      return path.join(staging, `${randomUUID()}.dcm`);
    },
    async stagingFolder() {
      ensure();
      const folder = path.join(staging, randomUUID());
      await mkdir(folder);
      return folder;
    },
    async place(staged, ref) {
      const folder = path.join(root, uidFileStem(ref.studyInstanceUid));
      await mkdir(folder, { recursive: true });
      const target = path.join(folder, `${uidFileStem(ref.sopInstanceUid)}.dcm`);
      await rename(staged, target);
      return target;
    },
    async discard(staged) {
      await rm(staged, { recursive: true, force: true });
    },
  };
}
