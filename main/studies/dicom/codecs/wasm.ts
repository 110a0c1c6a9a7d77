// The WASM codec modules, each started once per thread on first use (starting one costs 40–150 ms).
// The .wasm files are located through module resolution rather than the loaders' own __dirname guess, so they
// are still found when the main process is bundled.
import { createRequire } from 'node:module';
import charlsFactory from '@cornerstonejs/codec-charls/decodewasmjs';
import libjpegTurboFactory from '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs';
import openjpegFactory from '@cornerstonejs/codec-openjpeg/decodewasmjs';
import dcmjsCodecsPackage from 'dcmjs-codecs';

const require = createRequire(import.meta.url);
// A CommonJS bundle: Node's ESM loader sees only its default export.
const { NativeCodecs } = dcmjsCodecsPackage;
export const { Context: DcmjsContext } = dcmjsCodecsPackage;

function once<T>(start: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined;
  return () => (started ??= start());
}

/** Codec chatter (OpenJPEG prints "[INFO] Main header has been correctly decoded") must not reach stdout. */
const quiet = (wasmPath: string) => ({ locateFile: () => require.resolve(wasmPath), print: () => {}, printErr: () => {} });

export const libjpegTurbo = once(() => libjpegTurboFactory(quiet('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm')));
export const charls = once(() => charlsFactory(quiet('@cornerstonejs/codec-charls/decodewasm')));
export const openjpeg = once(() => openjpegFactory(quiet('@cornerstonejs/codec-openjpeg/decodewasm')));
/** dcmjs-codecs' IJG libjpeg build: the only one here with 12-bit JPEG (Extended, process 2 & 4). */
export const dcmjsCodecs = once(async () => {
  await NativeCodecs.initializeAsync({ webAssemblyModulePathOrUrl: require.resolve('dcmjs-codecs/build/dcmjs-native-codecs.wasm') });
  return NativeCodecs;
});
