/** The value of JSON text, or undefined when it is not JSON (a damaged or hand-edited file, a line cut short). */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
