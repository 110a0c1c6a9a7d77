import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOperationLog, formatLogLine, logFilePath, openOperationLog } from '../../../main/services/operation-log';

const at = new Date('2025-03-04T05:06:07.089Z');

describe('formatLogLine', () => {
  it('writes the time, the event and its fields, quoting only what needs it', () => {
    const line = formatLogLine(at, 'scan', { root: '/data/my studies', files: 12, ms: 340.5, cancelled: false, error: null, models: ['a@1', 'b@2'], skipped: undefined });
    expect(line).toBe('2025-03-04T05:06:07.089Z scan root="/data/my studies" files=12 ms=340.5 cancelled=false error=null models=a@1,b@2\n');
  });

  it('keeps every value on its one line', () => {
    const line = formatLogLine(at, 'error', { message: 'two\nlines "quoted" a=b', empty: '' });
    expect(line.trimEnd().split('\n')).toHaveLength(1);
    expect(line).toContain(String.raw`message="two\nlines \"quoted\" a=b" empty=""`);
  });

  it('never writes an access token, whatever carries it', () => {
    const secret = 'QWERTYqwerty0123456789_-abcdefABCDEF';
    const line = formatLogLine(at, 'error', { what: `GET /?token=${secret}&x=1`, message: `Authorization: Bearer ${secret}`, cookie: `pleura_token_4242=${secret}` });
    expect(line).not.toContain(secret);
    expect(line).toContain('token=[redacted]&x=1');
  });
});

describe('createOperationLog', () => {
  it('gives both sinks the line, and a failing sink does not cost the other its copy', () => {
    const echoed: string[] = [];
    const log = createOperationLog(
      {
        file: () => {
          throw new Error('sink broke');
        },
        echo: (line) => echoed.push(line),
      },
      () => at,
    );
    expect(() => log.record('export', { files: 3 })).not.toThrow();
    expect(echoed).toEqual(['2025-03-04T05:06:07.089Z export files=3\n']);
  });

  it('records an unexpected error on one line, its stack in the file only', () => {
    const filed: string[] = [];
    const echoed: string[] = [];
    const log = createOperationLog({ file: (line) => filed.push(line), echo: (line) => echoed.push(line) }, () => at);
    log.unexpectedError('POST /api/studies.scan', new TypeError('cannot read x'));
    log.unexpectedError('worker', 'a thrown string');
    expect(filed[0]).toMatch(/^2025-03-04T05:06:07.089Z error what="POST \/api\/studies.scan" message="TypeError: cannot read x" stack="TypeError: cannot read x\\n {4}at /);
    expect(filed[0].trimEnd()).not.toContain('\n');
    expect(echoed[0]).toBe('2025-03-04T05:06:07.089Z error what="POST /api/studies.scan" message="TypeError: cannot read x"\n');
    expect(filed[1]).toBe('2025-03-04T05:06:07.089Z error what=worker message="a thrown string"\n');
    expect(echoed[1]).toBe(filed[1]);
  });
});

describe('openOperationLog', () => {
  it('writes to <dataDir>/logs/pleura.log and to the echo', () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'pleura-oplog-'));
    try {
      const echoed: string[] = [];
      const log = openOperationLog(dataDir, (line) => echoed.push(line));
      log.record('serve.start', { port: 8080 });
      expect(logFilePath(dataDir)).toBe(path.join(dataDir, 'logs', 'pleura.log'));
      expect(readFileSync(logFilePath(dataDir), 'utf8')).toMatch(/^\S+ serve\.start port=8080\n$/);
      expect(echoed).toEqual([readFileSync(logFilePath(dataDir), 'utf8')]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
