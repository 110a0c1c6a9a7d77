// Files the scan could not index, each with the reason; nothing is hidden, nothing in the folder is touched. After a
// scan the list is that folder's; before any scan from this window, every scanned folder's.
import type { Ref } from 'react';
import type { FileError } from '../../../main/api/contract';
import { formatNumber } from '../../app/format';

type Props = {
  errors: FileError[];
  /** the folder the list is of; null: every scanned folder */
  root: string | null;
  /** the heading, which the scan summary's error count moves the focus to */
  headingRef?: Ref<HTMLHeadingElement>;
};

export function FileErrorList({ errors, root, headingRef }: Props) {
  if (errors.length === 0) return null;
  return (
    <section className="file-errors" data-testid="file-errors" data-root={root ?? undefined} aria-labelledby="file-errors-title">
      <h2 id="file-errors-title" ref={headingRef} tabIndex={-1}>
        Files not indexed{root && <> in <span className="mono file-errors__root">{root}</span></>}{' '}
        <span className="count" data-testid="file-errors-count">{formatNumber(errors.length)}</span>
      </h2>
      <ul className="file-errors__list">
        {errors.map((error) => (
          <li key={error.path} className="file-errors__item" data-testid="file-error" data-code={error.code}>
            <code className="file-errors__code">{error.code}</code>
            <span className="file-errors__path mono" title={error.path}>
              {error.path}
            </span>
            <span className="file-errors__message">{error.message}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
