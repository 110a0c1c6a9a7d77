// Files the scan could not index, each with the reason; nothing is hidden, nothing in the folder is touched.
import type { FileError } from '../../../main/api/contract';
import { formatNumber } from '../../app/format';

export function FileErrorList({ errors }: { errors: FileError[] }) {
  if (errors.length === 0) return null;
  return (
    <section className="file-errors" data-testid="file-errors" aria-labelledby="file-errors-title">
      <h2 id="file-errors-title">
        Files not indexed <span className="count">{formatNumber(errors.length)}</span>
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
