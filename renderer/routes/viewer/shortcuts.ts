// The viewer's keyboard shortcuts as one table: the keys that run each action and the words that describe it. The
// key handler matches against it and the "?" overlay lists it, so the two cannot disagree. Letters ignore Shift,
// except where Shift makes another action (Ctrl+Shift+Z); "mod" is Ctrl, or Cmd on a Mac.

export type ShortcutId =
  | 'next-study'
  | 'previous-study'
  | 'heatmap'
  | 'contour'
  | 'side-by-side'
  | 'window-lung'
  | 'window-mediastinum'
  | 'window-bone'
  | 'window-file'
  | 'invert'
  | 'reset'
  | 'confirm'
  | 'reject'
  | 'brush'
  | 'eraser'
  | 'window-level'
  | 'brush-smaller'
  | 'brush-larger'
  | 'undo'
  | 'redo'
  | 'help';

export type Chord = { key: string; mod?: boolean; shift?: boolean };

export type Shortcut = {
  id: ShortcutId;
  chords: readonly Chord[];
  description: string;
  group: ShortcutGroup;
  /** held down, the key repeats the action (sizes, undo); otherwise one press is one action */
  repeats?: boolean;
};

export type ShortcutGroup = 'Studies' | 'Image' | 'Review' | 'Mask editing' | 'Help';

export const shortcutGroups: readonly ShortcutGroup[] = ['Studies', 'Image', 'Review', 'Mask editing', 'Help'];

export const viewerShortcuts: readonly Shortcut[] = [
  { id: 'next-study', chords: [{ key: 'n' }], description: 'Next study in worklist order', group: 'Studies' },
  { id: 'previous-study', chords: [{ key: 'p' }], description: 'Previous study in worklist order', group: 'Studies' },
  { id: 'window-lung', chords: [{ key: '1' }], description: 'Window: lung', group: 'Image' },
  { id: 'window-mediastinum', chords: [{ key: '2' }], description: 'Window: mediastinum', group: 'Image' },
  { id: 'window-bone', chords: [{ key: '3' }], description: 'Window: bone', group: 'Image' },
  { id: 'window-file', chords: [{ key: '4' }], description: "Window: the file's own", group: 'Image' },
  { id: 'invert', chords: [{ key: 'i' }], description: 'Invert the grey scale', group: 'Image' },
  { id: 'reset', chords: [{ key: '0' }], description: 'Reset zoom, pan and window', group: 'Image' },
  { id: 'heatmap', chords: [{ key: 'h' }], description: 'Heatmap on or off', group: 'Image' },
  { id: 'contour', chords: [{ key: 'c' }], description: 'Mask contour on or off', group: 'Image' },
  { id: 'side-by-side', chords: [{ key: 's' }], description: 'Side by side: image | image with mask', group: 'Image' },
  { id: 'confirm', chords: [{ key: 'a' }], description: 'Confirm the finding as shown', group: 'Review' },
  { id: 'reject', chords: [{ key: 'r' }], description: 'Reject the finding: no pneumothorax', group: 'Review' },
  { id: 'brush', chords: [{ key: 'b' }], description: 'Brush: paint the mask', group: 'Mask editing' },
  { id: 'eraser', chords: [{ key: 'e' }], description: 'Eraser: erase from the mask', group: 'Mask editing' },
  { id: 'window-level', chords: [{ key: 'w' }], description: 'Back to window/level with the left button', group: 'Mask editing' },
  { id: 'brush-smaller', chords: [{ key: '[' }], description: 'Smaller brush and eraser', group: 'Mask editing', repeats: true },
  { id: 'brush-larger', chords: [{ key: ']' }], description: 'Larger brush and eraser', group: 'Mask editing', repeats: true },
  { id: 'undo', chords: [{ key: 'z', mod: true, shift: false }], description: 'Undo the last stroke', group: 'Mask editing', repeats: true },
  {
    id: 'redo',
    chords: [
      { key: 'z', mod: true, shift: true },
      { key: 'y', mod: true },
    ],
    description: 'Redo the undone stroke',
    group: 'Mask editing',
    repeats: true,
  },
  { id: 'help', chords: [{ key: '?' }], description: 'This list (Escape closes it)', group: 'Help' },
];

export type KeyPress = { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean; shiftKey: boolean };

function matches(chord: Chord, press: KeyPress): boolean {
  // Windows reports AltGr, which types [ and ] on many European layouts, as Ctrl+Alt.
  const altGr = press.ctrlKey && press.altKey;
  if (press.key.toLowerCase() !== chord.key || (press.altKey && !altGr)) return false;
  if ((!altGr && (press.ctrlKey || press.metaKey)) !== (chord.mod ?? false)) return false;
  return chord.shift === undefined || chord.shift === press.shiftKey;
}

export function shortcutFor(press: KeyPress): Shortcut | null {
  return viewerShortcuts.find((shortcut) => shortcut.chords.some((chord) => matches(chord, press))) ?? null;
}

/** How a chord is written in the overlay, e.g. "Ctrl/⌘+Shift+Z". */
export function formatChord(chord: Chord): string {
  const key = chord.key.length === 1 ? chord.key.toUpperCase() : chord.key;
  return [chord.mod && 'Ctrl/⌘', chord.shift && 'Shift', key].filter(Boolean).join('+');
}

/** The keys of one shortcut as a button's title writes them, e.g. "Ctrl/⌘+Shift+Z or Ctrl/⌘+Y". */
export function keysOf(id: ShortcutId): string {
  return shortcutById(id).chords.map(formatChord).join(' or ');
}

function shortcutById(id: ShortcutId): Shortcut {
  const shortcut = viewerShortcuts.find((one) => one.id === id);
  if (!shortcut) throw new Error(`no shortcut ${id}`);
  return shortcut;
}

/** What a shortcut does, as a control's accessible name says it. */
export function describeShortcut(id: ShortcutId): string {
  return shortcutById(id).description;
}

/** A control's title: what its shortcut does (or `label`), with the keys, e.g. "Undo the last stroke (Ctrl/⌘+Z)". */
export function titleOf(id: ShortcutId, label?: string): string {
  return `${label ?? describeShortcut(id)} (${keysOf(id)})`;
}

// Inputs that take no text: a key pressed on them is not typing (the range's arrows are not shortcuts).
const keylessInputTypes = new Set(['range', 'checkbox', 'radio', 'button', 'submit', 'reset', 'color', 'file', 'image']);

export type KeyTarget = { tagName?: string; type?: string; isContentEditable?: boolean };

/** Whether a key pressed on `target` is typed into it, so that it must not run a shortcut. */
export function isTypingTarget(target: KeyTarget | null): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName?.toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  return tag === 'INPUT' && !keylessInputTypes.has((target.type ?? 'text').toLowerCase());
}
