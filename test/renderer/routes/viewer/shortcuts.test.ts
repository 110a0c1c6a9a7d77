import { describe, expect, it } from 'vitest';
import { formatChord, isTypingTarget, keysOf, shortcutFor, titleOf, viewerShortcuts, type KeyPress } from '../../../../renderer/routes/viewer/shortcuts';

const press = (key: string, modifiers: Partial<Omit<KeyPress, 'key'>> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...modifiers,
});

describe('viewer shortcuts', () => {
  it('finds the action of a key, with either case of a letter', () => {
    expect(shortcutFor(press('n'))?.id).toBe('next-study');
    expect(shortcutFor(press('N', { shiftKey: true }))?.id).toBe('next-study');
    expect(shortcutFor(press('p'))?.id).toBe('previous-study');
    expect(shortcutFor(press('1'))?.id).toBe('window-lung');
    expect(shortcutFor(press('4'))?.id).toBe('window-file');
    expect(shortcutFor(press('['))?.id).toBe('brush-smaller');
    expect(shortcutFor(press(']'))?.id).toBe('brush-larger');
    expect(shortcutFor(press('?', { shiftKey: true }))?.id).toBe('help');
  });

  it('undoes with Ctrl or Cmd + Z and redoes with Shift added, or Ctrl + Y', () => {
    expect(shortcutFor(press('z', { ctrlKey: true }))?.id).toBe('undo');
    expect(shortcutFor(press('z', { metaKey: true }))?.id).toBe('undo');
    expect(shortcutFor(press('Z', { ctrlKey: true, shiftKey: true }))?.id).toBe('redo');
    expect(shortcutFor(press('z', { metaKey: true, shiftKey: true }))?.id).toBe('redo');
    expect(shortcutFor(press('y', { ctrlKey: true }))?.id).toBe('redo');
  });

  it('leaves keys with Ctrl, Cmd or Alt to the browser unless they are bound so', () => {
    expect(shortcutFor(press('n', { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(press('r', { metaKey: true }))).toBeNull();
    expect(shortcutFor(press('h', { altKey: true }))).toBeNull();
    expect(shortcutFor(press('z'))).toBeNull();
    expect(shortcutFor(press('Tab'))).toBeNull();
  });

  it('takes AltGr (Ctrl + Alt on Windows) as no modifier, so [ and ] work on European layouts', () => {
    expect(shortcutFor(press('[', { ctrlKey: true, altKey: true }))?.id).toBe('brush-smaller');
  });

  it('binds no key to two actions', () => {
    const seen = new Map<string, string>();
    for (const shortcut of viewerShortcuts) {
      for (const chord of shortcut.chords) {
        const key = formatChord(chord);
        expect(seen.get(key), key).toBeUndefined();
        seen.set(key, shortcut.id);
      }
    }
  });

  it('writes the keys as the overlay and the titles show them', () => {
    expect(formatChord({ key: 'z', mod: true, shift: true })).toBe('Ctrl/⌘+Shift+Z');
    expect(keysOf('redo')).toBe('Ctrl/⌘+Shift+Z or Ctrl/⌘+Y');
    expect(titleOf('confirm')).toBe('Confirm the finding as shown (A)');
    expect(titleOf('help', 'Keyboard shortcuts')).toBe('Keyboard shortcuts (?)');
  });

  it('rests while the reviewer types: text fields, text areas, selects and editable text; not sliders or buttons', () => {
    expect(isTypingTarget({ tagName: 'INPUT', type: 'text' })).toBe(true);
    expect(isTypingTarget({ tagName: 'INPUT' })).toBe(true);
    expect(isTypingTarget({ tagName: 'input', type: 'search' })).toBe(true);
    expect(isTypingTarget({ tagName: 'TEXTAREA' })).toBe(true);
    expect(isTypingTarget({ tagName: 'SELECT' })).toBe(true);
    expect(isTypingTarget({ tagName: 'DIV', isContentEditable: true })).toBe(true);
    expect(isTypingTarget({ tagName: 'INPUT', type: 'range' })).toBe(false);
    expect(isTypingTarget({ tagName: 'BUTTON', type: 'button' })).toBe(false);
    expect(isTypingTarget({ tagName: 'DIV', isContentEditable: false })).toBe(false);
    expect(isTypingTarget(null)).toBe(false);
  });
});
