// Permission ids the phone answers by. Vendors number their approval requests per process (JSON-RPC ids,
// counters), so after a resume a fresh process asks with ids an earlier one already used; a per-process
// prefix keeps every request distinct (found by the chaos soak: the answer hit the old, answered request).
import { randomBytes } from 'node:crypto';
import { asPermissionId, type PermissionId } from '../../../core/index.ts';

/** Ids of the form `<prefix>-<process nonce>-<vendor's id>`, unique across the agent processes of a session. */
export function permissionIds(prefix: string): (vendorRequestId: string | number) => PermissionId {
  const nonce = randomBytes(4).toString('hex');
  return (id) => asPermissionId(`${prefix}-${nonce}-${String(id).replace(/[^A-Za-z0-9_.:-]/g, '_')}`);
}
