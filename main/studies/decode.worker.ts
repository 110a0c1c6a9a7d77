// A decode worker: one file at a time, pixels transferred back (not copied), errors as FileError objects.
import { parentPort } from 'node:worker_threads';
import type { DecodeReply, DecodeRequest } from './decode-pool';
import { decodeFile, DicomFileError } from './dicom';

const port = parentPort!;
port.on('message', async ({ id, path }: DecodeRequest) => {
  let reply: DecodeReply;
  try {
    const image = await decodeFile(path);
    reply = { id, image };
    port.postMessage(reply, [image.pixels.buffer as ArrayBuffer]);
  } catch (error) {
    reply = { id, error: DicomFileError.from(error, path).toFileError() };
    port.postMessage(reply);
  }
});
