// The DIMSE peers being edited: one labelled group of fields per peer (name, AE title, host, port, how to
// retrieve), added and removed in place. A peer can be tested once it is saved as shown.
import { useId } from 'react';
import type { DimsePeerSetting } from '../../../main/api/contract';
import { newPeer, type PeerDraft } from './pacs-form';
import { PacsTestButton } from './PacsTestButton';
import { TextField } from './TextField';

type Props = {
  peers: PeerDraft[];
  onChange: (peers: PeerDraft[]) => void;
  /** the peers as saved: only those can be tested, and only while nothing is unsaved */
  saved: DimsePeerSetting[];
  canTest: boolean;
  busy: boolean;
};

const MAX_PEERS = 16;
const retrieveChoices: { value: PeerDraft['retrieve']; label: string }[] = [
  { value: 'get', label: 'C-GET (images come back on the same association)' },
  { value: 'move', label: 'C-MOVE (the peer sends them to Pleura’s listener)' },
];

export function PacsPeerList({ peers, onChange, saved, canTest, busy }: Props) {
  const id = useId();
  const edit = (index: number, patch: Partial<PeerDraft>) => onChange(peers.map((peer, i) => (i === index ? { ...peer, ...patch } : peer)));
  return (
    <div className="pacs-peers" data-testid="pacs-peers">
      {peers.length === 0 && <p className="muted">No DIMSE peers.</p>}
      {peers.map((peer, index) => {
        const title = peer.name.trim() || `Peer ${index + 1}`;
        const savedPeer = saved.find((entry) => entry.name === peer.name.trim());
        return (
          // Index keys: every field is controlled, so a removed row cannot leave its text in the next one.
          <fieldset key={index} className="pacs-peer" data-testid="pacs-peer" data-name={peer.name}>
            <legend>{title}</legend>
            <TextField label="Name" value={peer.name} onChange={(name) => edit(index, { name })} testId="pacs-peer-name" disabled={busy} />
            <TextField label="AE title" value={peer.aeTitle} onChange={(aeTitle) => edit(index, { aeTitle })} testId="pacs-peer-ae" disabled={busy} />
            <TextField label="Host" value={peer.host} onChange={(host) => edit(index, { host })} testId="pacs-peer-host" disabled={busy} />
            <TextField label="Port" value={peer.port} onChange={(port) => edit(index, { port })} inputMode="numeric" testId="pacs-peer-port" disabled={busy} />
            <div className="text-field pacs-peer__retrieve">
              <label htmlFor={`${id}-${index}-retrieve`}>Retrieve with</label>
              <select id={`${id}-${index}-retrieve`} value={peer.retrieve} onChange={(event) => edit(index, { retrieve: event.target.value as PeerDraft['retrieve'] })} disabled={busy} data-testid="pacs-peer-retrieve">
                {retrieveChoices.map((choice) => <option key={choice.value} value={choice.value}>{choice.label}</option>)}
              </select>
            </div>
            <div className="pacs-peer__actions">
              <PacsTestButton key={JSON.stringify(savedPeer)} source={peer.name.trim()} label={`peer ${title}`} disabled={!canTest || !savedPeer} testId="pacs-peer-test" />
              <button type="button" className="button" onClick={() => onChange(peers.filter((_, i) => i !== index))} disabled={busy} aria-label={`Remove ${title}`} data-testid="pacs-peer-remove">
                Remove
              </button>
            </div>
          </fieldset>
        );
      })}
      <button type="button" className="button pacs-peers__add" onClick={() => onChange([...peers, { ...newPeer }])} disabled={busy || peers.length >= MAX_PEERS} data-testid="pacs-peer-add">
        Add a DIMSE peer
      </button>
    </div>
  );
}
