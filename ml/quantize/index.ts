// ml/quantize: static INT8 quantization of a model's ONNX graph (QDQ form, calibrated activation ranges).
export type { CalibrationMethod } from './ranges';
export { CALIBRATION_METHODS } from './ranges';
export type { CalibrationImage } from './calibrate';
export { DEFAULT_CALIBRATION_METHOD, quantizeModel, type Fp32Layer, type QuantizationReport, type QuantizeOptions } from './quantize-model';
