// One session's life as a pure state machine: `step(snapshot, event) → { snapshot, changes, effects }`.
export * from './snapshot.ts';
export * from './events.ts';
export * from './effects.ts';
export * from './step.ts';
export type { SessionChanges } from './draft.ts';
export * from './start.ts';
