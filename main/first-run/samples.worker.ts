// Writes the first run's sample studies in a worker thread: rendering phantoms takes seconds of CPU that the main
// thread (IPC, the loopback server) must not wait on.
import { answerOnce } from '../workers/run-once';
import { writeSampleStudies, type SampleSpec } from './sample-studies';

answerOnce((spec: SampleSpec) => writeSampleStudies(spec));
