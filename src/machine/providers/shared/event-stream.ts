// The event side of an AgentHandle: events wait in a buffer until the first subscriber, then fan out.
import type { DriverEvent } from '../backend.ts';

export class EventStream {
  private readonly buffer: DriverEvent[] = [];
  private readonly listeners = new Set<(event: DriverEvent) => void>();
  private ended = false;

  emit(event: DriverEvent): void {
    if (this.ended) return;
    if (event.kind === 'exit') this.ended = true;
    if (this.listeners.size === 0) {
      this.buffer.push(event);
      return;
    }
    for (const l of [...this.listeners]) l(event);
  }

  subscribe(listener: (event: DriverEvent) => void): () => void {
    this.listeners.add(listener);
    if (this.buffer.length > 0) for (const e of this.buffer.splice(0)) listener(e);
    return () => this.listeners.delete(listener);
  }

  /** Whether the final `exit` event was emitted. */
  get isEnded(): boolean {
    return this.ended;
  }
}
