import type { z } from 'zod';

/** Anything wrong with a model folder or with what is about to go into one; the message names the file and field. */
export class ModelFolderError extends Error {
  override name = 'ModelFolderError';
}

/** A schema's complaints about a file, each led by the dotted path of the field it concerns. */
export function invalidFile(source: string, error: z.ZodError, what: string): ModelFolderError {
  const problems = error.issues.map((issue) => `${issue.path.join('.') || '(the whole file)'}: ${issue.message}`);
  return new ModelFolderError(`${source}: ${what}: ${problems.join('; ')}`);
}
