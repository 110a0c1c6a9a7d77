// First run: the worklist shows the bundled sample studies, triaged by the bundled demonstration model. Said plainly,
// with the way to one's own folder one click away.
import type { RefObject } from 'react';
import type { AppInfo, DemoInfo } from '../../../main/api/contract';
import { usePickFolder } from '../../app/use-pick-folder';

type Props = {
  info: AppInfo;
  demo: DemoInfo;
  onScan: (root: string) => void;
  /** the folder path field, where the shell has no folder dialog */
  pathInput: RefObject<HTMLInputElement | null>;
};

export function DemoBanner({ info, demo, onScan, pathInput }: Props) {
  const { pick, problem } = usePickFolder(onScan);
  const openFolder = () => {
    if (info.canPickFolder) return void pick();
    pathInput.current?.focus();
    pathInput.current?.select();
  };
  return (
    <aside className="demo-banner" role="note" aria-labelledby="demo-banner-title" data-testid="demo-banner">
      <div className="demo-banner__text">
        <h2 id="demo-banner-title">Demonstration model — not for clinical use</h2>
        <p>
          {demo.note || 'These results come from a demonstration model trained on synthetic images.'}
        </p>
        <p className="muted">
          Sample studies: <span className="mono" data-testid="demo-sample-folder">{demo.sampleFolder}</span>
          {demo.modelRef && (
            <>
              {' '}
              · model <span className="mono">{demo.modelRef}</span>
            </>
          )}
        </p>
      </div>
      <button type="button" className="button button--primary" onClick={openFolder} data-testid="demo-open-folder">
        Open a folder
      </button>
      {problem && <span className="open-folder__problem" role="alert">{problem}</span>}
    </aside>
  );
}
