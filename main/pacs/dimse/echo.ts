// C-ECHO: "Test connection" for a DIMSE peer — reachable, accepts our AE titles, answers.
import { PacsError } from '../pacs-error';
import type { DimsePeer } from '../peers';
import { classifyStatus, describeStatus } from './dimse-status';
import { CEchoRequest, type CEchoResponseType } from './library';
import { lastResponse, ScuAssociation } from './scu-association';
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN } from '../../studies/dicom/transfer-syntax';
import { VERIFICATION } from './syntaxes';

/** Milliseconds from connecting to the echo's answer: what a user waits for a first exchange with this peer. */
export async function echo(peer: DimsePeer, signal?: AbortSignal): Promise<{ ms: number }> {
  const started = performance.now();
  const association = await ScuAssociation.open(peer, { contexts: [{ abstractSyntax: VERIFICATION, transferSyntaxes: [EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN] }], signal });
  try {
    association.require(VERIFICATION);
    const request = new CEchoRequest();
    const response = lastResponse<CEchoResponseType>(request);
    await association.run([request]);
    const ms = Math.round(performance.now() - started);
    const status = response()?.getStatus();
    if (status === undefined) throw new PacsError('protocol', `${association.where} did not answer the C-ECHO`);
    if (classifyStatus(status) !== 'success') throw new PacsError('refused', `${association.where} answered the C-ECHO with ${describeStatus(status, response()?.getErrorComment())}`);
    await association.release();
    return { ms };
  } finally {
    association.close();
  }
}
