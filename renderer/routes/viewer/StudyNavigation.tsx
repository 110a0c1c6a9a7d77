// Previous and next study in the worklist's order (reading-order.ts), and where this one stands in it.
import { formatNumber } from '../../app/format';
import type { StudyNeighbours } from './reading-order';
import { titleOf, type ShortcutId } from './shortcuts';

type Props = { neighbours: StudyNeighbours | null; onOpen: (studyInstanceUid: string) => void };

const steps: { to: 'previous' | 'next'; text: string; shortcut: ShortcutId; className: string }[] = [
  { to: 'previous', text: '‹ Previous', shortcut: 'previous-study', className: '' },
  { to: 'next', text: 'Next study ›', shortcut: 'next-study', className: ' button--primary' },
];

export function StudyNavigation({ neighbours, onOpen }: Props) {
  return (
    <nav className="study-navigation" aria-label="Studies in worklist order">
      {steps.map(({ to, text, shortcut, className }) => {
        const target = neighbours?.[to] ?? null;
        return (
          <button
            key={to}
            type="button"
            className={`button button--compact${className}`}
            disabled={!target}
            onClick={() => target && onOpen(target)}
            data-testid={`${to}-study`}
            title={titleOf(shortcut)}
          >
            {text}
          </button>
        );
      })}
      <span className="study-navigation__position muted" data-testid="study-position">
        {neighbours?.position ? `${formatNumber(neighbours.position)} of ${formatNumber(neighbours.total)}` : neighbours ? 'not in the worklist' : '…'}
      </span>
    </nav>
  );
}
