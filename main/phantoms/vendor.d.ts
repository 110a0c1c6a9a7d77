// Types for the encoder half of the libjpeg-turbo WASM package (the decoder half is typed in main/studies/dicom/codecs).

declare module '@cornerstonejs/codec-libjpeg-turbo-8bit/wasmjs' {
  interface FrameInfo {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
    isSigned: boolean;
  }
  interface JpegEncoder {
    getDecodedBuffer(frameInfo: FrameInfo): Uint8Array;
    setProgressive(progressive: boolean): void;
    setQuality(quality: number): void;
    encode(): void;
    getEncodedBuffer(): Uint8Array;
    delete(): void;
  }
  const factory: (options?: { locateFile?: (file: string) => string; print?: (t: string) => void; printErr?: (t: string) => void }) => Promise<{ JPEGEncoder: new () => JpegEncoder }>;
  export default factory;
}

declare module 'dcmjs' {
  const dcmjs: {
    data: {
      DicomDict: new (meta: Record<string, unknown>) => { dict: Record<string, unknown>; write(options?: { fragmentMultiframe?: boolean }): ArrayBuffer };
      DicomMetaDictionary: {
        denaturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown>;
        naturalizeDataset(dict: Record<string, unknown>): Record<string, any>;
      };
      DicomMessage: { readFile(buffer: ArrayBuffer): { meta: Record<string, unknown>; dict: Record<string, unknown> } };
      BitArray: { unpack(packed: ArrayBuffer | Uint8Array): Uint8Array };
    };
  };
  export default dcmjs;
}
