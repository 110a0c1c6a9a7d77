// Making an INT8 version off the main thread: calibration collects activation statistics in JavaScript for seconds at
// a time, which would stall the workstation's API calls. A cancel aborts the orchestration, which then leaves nothing
// behind.
import { workerData } from 'node:worker_threads';
import { serveJob } from '../workers/job-worker';
import { quantizeModelFolder } from './quantize-model';
import type { QuantizeWorkerData } from './quantize-job';

const { request } = workerData as QuantizeWorkerData;
serveJob((control) => quantizeModelFolder({ ...request, ...control }));
