// The --push-contact flag of `baton up` and `baton server`: checked once, here.
import { usage } from './cli-error.ts';

/** A VAPID contact as push services want it: a mailto: address or an https: URL. */
export function pushContact(value: string): string {
  if (/^mailto:[^@\s]+@[^@\s]+$/.test(value) || /^https:\/\/\S+$/.test(value)) return value;
  throw usage(`--push-contact must be a mailto: address or an https:// URL, not "${value}"`);
}
