// The real DICOM files live in ../shared/data beside the repository and are never copied into it.
// Tests that need them call `describeWithSharedData`, which skips with a clear message where the folder is absent.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'vitest';

export const sharedDataDir = path.resolve(import.meta.dirname, '../../../shared/data');
export const hasSharedData = existsSync(path.join(sharedDataDir, 'README.md'));

export function sharedFile(...parts: string[]): string {
  return path.join(sharedDataDir, ...parts);
}

export const describeWithSharedData: typeof describe = hasSharedData
  ? describe
  : (((name: string) => describe.skip(`${name} (skipped: ${sharedDataDir} is absent — the real DICOM test data lives there)`)) as unknown as typeof describe);
