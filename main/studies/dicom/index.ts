// The one DICOM decode path of Pleura: header reading for scans, full decoding for the viewer and the models.
export { parseInstanceInfo, readInstanceInfo } from './header';
export { decodeBytes, decodeFile } from './decode';
export { DicomFileError } from './errors';
export { MAX_DIMENSION } from './instance-info';
