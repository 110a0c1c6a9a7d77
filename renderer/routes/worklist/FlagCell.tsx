// A study's flag on the worklist: the main side's words, a colour and a marker shape for its kind, a reviewer's
// decision marked as such, and the warning that a demonstration model made the result — first, so that words too
// long for the cell never push it out of sight.
import type { WorklistRow } from '../../../main/api/contract';
import { flagWordsOf, type FlagKind } from './triage-flag';

export const DEMONSTRATION_TITLE = 'Result of a demonstration model, trained on synthetic images: not for clinical use';

export function FlagCell({ row, kind }: { row: WorklistRow; kind: FlagKind }) {
  const words = flagWordsOf(row);
  const byReviewer = row.triage?.flagSource === 'reviewer';
  return (
    <span className="flag-cell" data-testid="flag-cell" data-flag={kind} data-flag-source={row.triage?.flagSource ?? undefined}>
      {row.triage?.demonstrationModel && (
        <span className="demo-mark" title={DEMONSTRATION_TITLE} data-testid="demo-mark">
          demonstration model
        </span>
      )}
      <span className={`flag flag--${kind}${byReviewer ? ' flag--reviewer' : ''}`} title={words}>
        {words}
      </span>
    </span>
  );
}
