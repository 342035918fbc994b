// Secrets for devices, share links and pairing codes: random, stored only as SHA-256 hashes.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** 256 random bits; the prefix only helps humans tell a device token from a share token. */
export function newToken(prefix: 'bt' | 'bs'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Equal-length hex hashes compared without leaking where they differ. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Unambiguous letters and digits (no I, O, 0, 1): 32 symbols, 5 bits each. */
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A pairing code like `K7QPD-M3XWA`: 50 bits, shown once, typed on a phone if the link cannot be opened. */
export function newPairingCode(): string {
  const bytes = randomBytes(10);
  let out = '';
  for (let i = 0; i < 10; i++) {
    out += CODE_ALPHABET[bytes[i]! & 31];
    if (i === 4) out += '-';
  }
  return out;
}

/** Codes are compared without dashes or case, so `k7qpdm3xwa` pairs too. */
export function normalizePairingCode(code: string): string {
  return code.replace(/-/g, '').toUpperCase();
}

/** Ids we mint: a readable prefix and 96 random bits (safe in URLs and in the id schema). */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}
