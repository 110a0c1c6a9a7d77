// The "?" overlay: every viewer shortcut, by group, from the same table the key handler reads, and what the mouse
// buttons do (stack-mode.ts binds them).
import { Fragment } from 'react';
import { ModalDialog } from './ModalDialog';
import { formatChord, shortcutGroups, viewerShortcuts } from './shortcuts';

const mouseBindings = [
  ['Left drag', 'Window/level; with the brush or eraser chosen, paint or erase'],
  ['Middle drag', 'Pan'],
  ['Right drag or wheel', 'Zoom'],
];

export function ShortcutHelp({ open, onClose }: { open: boolean; onClose: () => void }) {
  return (
    <ModalDialog open={open} onClose={onClose} title="Keyboard shortcuts" testId="shortcut-help" className="shortcut-help">
      <div className="shortcut-help__groups">
        {shortcutGroups.map((group) => (
          <section key={group}>
            <h3>{group}</h3>
            <dl>
              {viewerShortcuts
                .filter((shortcut) => shortcut.group === group)
                .map((shortcut) => (
                  <Fragment key={shortcut.id}>
                    <dt data-shortcut={shortcut.id}>
                      {shortcut.chords.map((chord, index) => (
                        <Fragment key={formatChord(chord)}>
                          {index > 0 && ' or '}
                          <kbd>{formatChord(chord)}</kbd>
                        </Fragment>
                      ))}
                    </dt>
                    <dd>{shortcut.description}</dd>
                  </Fragment>
                ))}
            </dl>
          </section>
        ))}
        <section>
          <h3>Mouse</h3>
          <dl>
            {mouseBindings.map(([button, action]) => (
              <Fragment key={button}>
                <dt>{button}</dt>
                <dd>{action}</dd>
              </Fragment>
            ))}
          </dl>
        </section>
      </div>
      <p className="muted">Shortcuts rest while you type in a field. Tab moves on from the image.</p>
      <div className="modal-dialog__actions">
        <button type="button" className="button" onClick={onClose} data-testid="shortcut-help-close">
          Close
        </button>
      </div>
    </ModalDialog>
  );
}
