// Bounds on what the server accepts, shared so the PWA can refuse the same things before sending.
export const LIMITS = {
  messageTextChars: 100_000,
  titleChars: 200,
  cwdChars: 4_096,
  nameChars: 100,
  /**
   * Room for the largest valid body: 100,000 characters of text can be 600,000 bytes of JSON (a control character
   * escaped as `\u0001` is 6 bytes; UTF-8 takes 3 per BMP character, 4 per surrogate pair of 2), plus a cwd of
   * 4,096 characters and a title. 256 KiB refused valid texts of 45,000 characters.
   */
  httpBodyBytes: 640 * 1024,
  wsFrameBytes: 1024 * 1024,
  pageSize: 200,
  /** Sessions in one page of GET /api/sync (the most `limit` may ask for, and the default). */
  syncPageSessions: 1_000,
  /** A sync page stops before its sessions pass this many bytes of JSON, so a page stays under 256 kB even uncompressed. */
  syncPageBytes: 192 * 1024,
  shareMaxSeconds: 30 * 24 * 3600,
  pairingCodeSeconds: 10 * 60,
} as const;
