// Finds what each engine would run on in a worker thread, as the inference workers do: loading onnxruntime's native
// binding and choosing a TF.js backend stay out of the main thread, whose TF.js backend is left untouched.
import { answerOnce } from '../workers/run-once';
import { probeEngines } from './engine-probe';

answerOnce(() => probeEngines());
