import { describe, expect, it, vi } from 'vitest';
import { apiArgs } from '../../../main/api/contract';
import { createDispatch, isApiMethod } from '../../../main/api/dispatch';
import { BROKEN_INSTANCE, BROKEN_MESSAGE, createTestServices, MISSING_STUDY } from '../../fixtures/api/test-services';

function dispatcher() {
  const onUnexpectedError = vi.fn();
  const { handlers } = createTestServices();
  return { dispatch: createDispatch(handlers, { onUnexpectedError }), handlers, onUnexpectedError };
}

describe('dispatch', () => {
  it('calls the handler with the validated arguments', async () => {
    const { dispatch, handlers } = dispatcher();
    const spy = vi.spyOn(handlers, 'studies.detail');
    const outcome = await dispatch('studies.detail', { studyInstanceUid: '1.2.3' });
    expect(outcome).toMatchObject({ ok: true, result: { studyInstanceUid: '1.2.3', series: [] } });
    expect(spy).toHaveBeenCalledWith({ studyInstanceUid: '1.2.3' });
  });

  it('treats missing arguments as none', async () => {
    expect(await dispatcher().dispatch('app.info', undefined)).toMatchObject({ ok: true, result: { name: 'Pleura' } });
  });

  it.each(['no.such', 'toString', '__proto__', 'constructor', ''])('refuses the unknown method %j', async (method) => {
    const outcome = await dispatcher().dispatch(method, {});
    expect(outcome).toMatchObject({ ok: false, error: { code: 'unknown-method' } });
    expect(isApiMethod(method)).toBe(false);
  });

  it.each([
    ['a wrong type', 'images.load', { instanceId: 'one' }, 'instanceId'],
    ['a negative id', 'images.load', { instanceId: -1 }, 'instanceId'],
    ['a missing field', 'studies.scan', {}, 'path'],
    ['an unknown field', 'studies.worklist', { limit: 5 }, ''],
    ['a non-object', 'studies.detail', 'x', ''],
  ])('refuses %s with the zod issues, without calling the handler', async (_what, method, args, path) => {
    const { dispatch, handlers } = dispatcher();
    const spy = vi.spyOn(handlers, method as 'images.load');
    const outcome = await dispatch(method, args);
    if (outcome.ok) throw new Error('expected a refusal');
    expect(outcome.error.code).toBe('invalid-argument');
    expect(outcome.error.message).toContain(method);
    const issues = outcome.error.details as { path: unknown[]; message: string }[];
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0].path.join('.')).toBe(path);
    expect(spy).not.toHaveBeenCalled();
  });

  it('passes an ApiError through with its code and details', async () => {
    const { dispatch, onUnexpectedError } = dispatcher();
    expect(await dispatch('studies.detail', { studyInstanceUid: MISSING_STUDY })).toEqual({
      ok: false,
      error: { code: 'not-found', message: `no study ${MISSING_STUDY}`, details: { studyInstanceUid: MISSING_STUDY } },
    });
    expect(onUnexpectedError).not.toHaveBeenCalled();
  });

  it("turns any other error into 'failed' with its message only, and reports it with its stack", async () => {
    const { dispatch, onUnexpectedError } = dispatcher();
    const outcome = await dispatch('images.load', { instanceId: BROKEN_INSTANCE });
    expect(outcome).toEqual({ ok: false, error: { code: 'failed', message: BROKEN_MESSAGE } });
    expect(JSON.stringify(outcome)).not.toContain('.ts:');
    expect(onUnexpectedError).toHaveBeenCalledWith('images.load', expect.objectContaining({ stack: expect.stringContaining(BROKEN_MESSAGE) }));
  });

  it('produces outcomes that survive structured cloning (the IPC serialisation)', async () => {
    const { dispatch } = dispatcher();
    for (const outcome of [await dispatch('images.load', { instanceId: 1 }), await dispatch('images.load', { instanceId: 'x' })]) {
      expect(structuredClone(outcome)).toEqual(outcome);
    }
  });

  it('covers every method of the contract', () => {
    for (const method of Object.keys(apiArgs)) expect(isApiMethod(method)).toBe(true);
  });
});
