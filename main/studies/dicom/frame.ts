// The bytes of frame 0 (Pleura shows and analyses the first frame of a multi-frame instance), native or
// encapsulated, checked against the file's end, the pixel description and the read limits before they are read:
// nothing past frame 0 is read, and frame 0 itself only when its size is plausible.
import type { InstanceInfo } from '../../api/contract';
import type { ByteSource } from './byte-source';
import type { ParsedFile } from './dataset';
import { DicomFileError } from './errors';
import { compressedFrameLimit, describeFrame, frameSize, pastLimit, type ReadLimits } from './limits';
import { readPixelItems, type Fragment, type PixelItems } from './pixel-items';

export async function readFirstFrame(source: ByteSource, file: ParsedFile, info: InstanceInfo, path: string, limits: ReadLimits): Promise<Uint8Array> {
  const element = file.pixelData!;
  const native = file.syntax.encoding === 'native';
  // Only encapsulated Pixel Data has an undefined length.
  const encapsulated = element.hadUndefinedLength === true;
  if (native === encapsulated) {
    throw new DicomFileError(
      'decode-failed',
      path,
      `Pixel Data is ${encapsulated ? 'encapsulated' : 'native'} but the transfer syntax ${info.transferSyntaxUid} says it is ${native ? 'native' : 'encapsulated'}`,
    );
  }
  if (native) {
    const needed = frameSize(info);
    if (element.length < needed) {
      throw new DicomFileError('decode-failed', path, `Pixel Data holds ${element.length} bytes but ${describeFrame(info)} needs ${needed}`);
    }
    const limit = { bytes: limits.frameBytes, why: `Pleura's cap on a frame` };
    if (needed > limit.bytes) throw new DicomFileError('too-large', path, pastLimit(`frame 0 needs ${needed} bytes (${describeFrame(info)})`, limit));
    return source.read(element.dataOffset, needed);
  }

  const limit = compressedFrameLimit(info, limits);
  const single = info.numberOfFrames === 1;
  const items = await readPixelItems(source, element.dataOffset, path, { maxItems: limits.pixelItems, readOffsets: !single, maxTotal: single ? limit : undefined });
  if (items.fragments.length === 0) throw new DicomFileError('no-pixel-data', path, 'Pixel Data holds no fragments');
  const fragments = single ? items.fragments : (framedByTable(items, info.numberOfFrames, path) ?? (await framedByEndOfImage(source, items.fragments)));
  const total = fragments.reduce((sum, f) => sum + f.length, 0);
  if (total > limit.bytes) throw new DicomFileError('too-large', path, pastLimit(`frame 0's compressed data holds ${total} bytes`, limit));
  return concatenate(source, fragments, total);
}

/**
 * Frame 0 of a multi-frame file, as dicom-parser finds it: the fragments from the Basic Offset Table's first entry
 * to its second; or, without a table, the first fragment when there is one per frame. Undefined: neither applies.
 */
function framedByTable({ offsets, fragments }: PixelItems, frames: number, path: string): Fragment[] | undefined {
  if (offsets.length) {
    const at = (offset: number) => {
      const index = fragments.findIndex((f) => f.offset === offset);
      if (index < 0) throw new DicomFileError('decode-failed', path, `no fragment starts at offset ${offset}, where the Basic Offset Table says a frame does`);
      return index;
    };
    return fragments.slice(at(offsets[0]), offsets.length > 1 ? at(offsets[1]) : fragments.length);
  }
  return fragments.length === frames ? fragments.slice(0, 1) : undefined;
}

/** Without a table, frame 0 ends with the first fragment that ends in a JPEG (and JPEG-LS, J2K) end marker FFD9. */
async function framedByEndOfImage(source: ByteSource, fragments: Fragment[]): Promise<Fragment[]> {
  for (let i = 0; i < fragments.length; i++) {
    const { position, length } = fragments[i];
    // An odd-length fragment is padded with one byte after the marker.
    const tail = await source.read(Math.max(position, position + length - 3), Math.min(length, 3));
    if (endsImage(tail)) return fragments.slice(0, i + 1);
  }
  return fragments;
}

function endsImage(tail: Uint8Array): boolean {
  const marker = (at: number) => at >= 0 && tail[at] === 0xff && tail[at + 1] === 0xd9;
  return marker(tail.length - 2) || marker(tail.length - 3);
}

async function concatenate(source: ByteSource, fragments: Fragment[], total: number): Promise<Uint8Array> {
  if (fragments.length === 1) return source.read(fragments[0].position, total);
  const out = new Uint8Array(total);
  let at = 0;
  for (const { position, length } of fragments) {
    out.set(await source.read(position, length), at);
    at += length;
  }
  return out;
}
