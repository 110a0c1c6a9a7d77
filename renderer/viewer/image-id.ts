// Cornerstone addresses images by string ids; ours name an indexed instance, which the main process decodes.
export const imageScheme = 'pleura';

const imageIdPattern = new RegExp(`^${imageScheme}:(\\d+)$`);

export function imageIdFor(instanceId: number): string {
  return `${imageScheme}:${instanceId}`;
}

export function instanceIdOf(imageId: string): number {
  const match = imageIdPattern.exec(imageId);
  if (!match) throw new Error(`Not a Pleura image id: "${imageId}" (expected ${imageScheme}:<instanceId>)`);
  return Number(match[1]);
}
