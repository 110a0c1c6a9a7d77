// Choosing the folder to scan: the native dialog where the shell has one (Electron), a path field otherwise.
import { useState, type FormEvent, type RefObject } from 'react';
import type { AppInfo } from '../../../main/api/contract';
import { usePickFolder } from '../../app/use-pick-folder';

type Props = {
  info: AppInfo;
  busy: boolean;
  onScan: (root: string) => void;
  /** the path field, for a "choose a folder" action elsewhere on the page */
  pathInput?: RefObject<HTMLInputElement | null>;
};

export function OpenFolder(props: Props) {
  return props.info.canPickFolder ? <PickFolderButton busy={props.busy} onScan={props.onScan} /> : <PathForm {...props} />;
}

function PickFolderButton({ busy, onScan }: Pick<Props, 'busy' | 'onScan'>) {
  const { pick, problem } = usePickFolder(onScan);
  return (
    <div className="open-folder">
      <button type="button" className="button button--primary" onClick={pick} disabled={busy} data-testid="pick-folder">
        Open folder…
      </button>
      {problem && <span className="open-folder__problem" role="alert">{problem}</span>}
    </div>
  );
}

function PathForm({ info, busy, onScan, pathInput }: Props) {
  const [root, setRoot] = useState(info.roots[0] ?? '');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const trimmed = root.trim();
    if (trimmed) onScan(trimmed);
  };
  return (
    <form className="open-folder" onSubmit={submit}>
      <label className="open-folder__label" htmlFor="scan-path">
        Folder
      </label>
      <input
        id="scan-path"
        ref={pathInput}
        className="open-folder__path"
        type="text"
        value={root}
        onChange={(event) => setRoot(event.target.value)}
        placeholder="/absolute/path/to/dicom/folder"
        spellCheck={false}
        autoComplete="off"
        data-testid="scan-path"
      />
      <button type="submit" className="button button--primary" disabled={busy || !root.trim()} data-testid="scan-button">
        Scan
      </button>
    </form>
  );
}
