// The services push progress through this hub; each transport subscribes once and forwards every event.
import type { ApiEvent, ApiEvents } from './contract';

export type EventListener = <E extends ApiEvent>(event: E, payload: ApiEvents[E]) => void;

export class EventHub {
  private readonly listeners = new Set<EventListener>();

  emit<E extends ApiEvent>(event: E, payload: ApiEvents[E]): void {
    for (const listener of this.listeners) listener(event, payload);
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
