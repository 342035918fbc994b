// The pure domain shared by server, daemon, PWA and CLI.
export * from './ids.ts';
export * from './providers.ts';
export * from './availability.ts';
export * from './delivery.ts';
export * from './resume-attempt.ts';
export * from './records.ts';
export * from './errors.ts';
export * from './limits.ts';
export * from './api.ts';
export * from './machine-protocol.ts';
export * from './phone-protocol.ts';
export * from './protocol-version.ts';
export * from './sync.ts';
export * from './human-time.ts';
export * from './backoff.ts';
