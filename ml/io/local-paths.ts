// A model card travels to other machines, so it names files and folders by their last part only: an absolute path
// says where one developer kept their data (their home folder, a temporary folder) and nothing about the model.

// Where a path may start: the text's start, a space, an opening bracket or quote, an equals sign.
const START = String.raw`(^|[\s(\["'=])`;
const SEGMENT = String.raw`[^\s/\\"'(),;\]]+`;
const POSIX = new RegExp(`${START}~?/(?:${SEGMENT}/)*(${SEGMENT})/?`, 'g');
const WINDOWS = new RegExp(String.raw`${START}(?:[A-Za-z]:|\\\\${SEGMENT})\\(?:${SEGMENT}\\)*(${SEGMENT})\\?`, 'g');

/** The text with every absolute path (POSIX, `~/…`, a Windows drive or UNC share) cut to its last part. */
export function withoutLocalPaths(text: string): string {
  return text.replace(POSIX, '$1$2').replace(WINDOWS, '$1$2');
}

/** Every string in a JSON value, at any depth, through withoutLocalPaths. */
export function cardWithoutLocalPaths<T>(value: T): T {
  if (typeof value === 'string') return withoutLocalPaths(value) as T;
  if (Array.isArray(value)) return value.map(cardWithoutLocalPaths) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, cardWithoutLocalPaths(entry)])) as T;
  }
  return value;
}
