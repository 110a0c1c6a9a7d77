// The reviewer's name is recorded with every review action; the settings keep at most 64 characters of it.
const MAX_REVIEWER = 64;

export function reviewerProblem(name: string): string | null {
  const trimmed = name.trim();
  if (trimmed === '') return 'Enter the name recorded with your reviews.';
  return trimmed.length > MAX_REVIEWER ? `The name is ${trimmed.length} characters long; at most ${MAX_REVIEWER} are allowed.` : null;
}
