// Reading PyTorch weights (torch.save zips and .safetensors) and checking them against a model's parameter list.
export { readStateDict, readStateDictFile } from './read-state-dict';
export { readTorchStateDict } from './torch-zip';
export { readSafetensors } from '../safetensors';
export {
  checkStateDict, StateDictMismatchError,
  type CheckOptions, type ExpectedTensor, type ShapeMismatch, type TensorAlias,
} from './check-state-dict';
export {
  StateDictReadError,
  type Dtype, type FloatDtype, type FloatTensor, type IntDtype, type IntTensor, type StateDict, type StateTensor,
} from './tensor';
