import { describe, expect, it } from 'vitest';
import { localCountText, localState } from '../../../../renderer/routes/pacs/pacs-study';

describe('how much of a PACS study is already here', () => {
  it('counts the local images against the PACS’s count', () => {
    expect(localCountText({ localInstances: 2, instanceCount: 3 })).toBe('local: 2 of 3');
    expect(localCountText({ localInstances: 0, instanceCount: 1200 })).toBe('local: 0 of 1,200');
    expect(localCountText({ localInstances: 4, instanceCount: null })).toBe('local: 4');
  });

  it('says whether none, part or all of it is here', () => {
    expect(localState({ localInstances: 0, instanceCount: 3 })).toBe('none');
    expect(localState({ localInstances: 2, instanceCount: 3 })).toBe('partial');
    expect(localState({ localInstances: 3, instanceCount: 3 })).toBe('all');
    // More here than the PACS counts (another series arrived by C-STORE): all of what the PACS has.
    expect(localState({ localInstances: 4, instanceCount: 3 })).toBe('all');
    expect(localState({ localInstances: 4, instanceCount: null })).toBe('partial');
  });
});
