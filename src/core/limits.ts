// Bounds on what the server accepts, shared so the PWA can refuse the same things before sending.
export const LIMITS = {
  messageTextChars: 100_000,
  titleChars: 200,
  cwdChars: 4_096,
  nameChars: 100,
  httpBodyBytes: 256 * 1024,
  wsFrameBytes: 1024 * 1024,
  pageSize: 200,
  /** Sessions in one page of GET /api/sync (the most `limit` may ask for, and the default). */
  syncPageSessions: 1_000,
  /** A sync page stops before its sessions pass this many bytes of JSON, so a page stays under 256 kB even uncompressed. */
  syncPageBytes: 192 * 1024,
  shareMaxSeconds: 30 * 24 * 3600,
  pairingCodeSeconds: 10 * 60,
} as const;
