// The terminal's transcript says which device answered a permission, when the server recorded it.
import { expect, it } from 'vitest';
import type { MessageRecord } from '../../src/core/index.ts';
import { formatMessage } from '../../src/cli/lib/transcript.ts';

const permission = (p: Partial<NonNullable<MessageRecord['permission']>>): MessageRecord => ({
  id: 'msg_1', sessionId: 'ses_1', seq: 3, role: 'permission', text: 'Bash: ls', clientId: null, state: null, failure: null, tool: 'Bash',
  permission: { permissionId: 'p1', tool: 'Bash', input: 'ls', decision: null, ...p }, createdAt: 1, updatedAt: 2,
});

it('names the device that answered, and says nothing of one for an answer stored before it was recorded', () => {
  expect(formatMessage(permission({ decision: 'allow', answeredBy: { deviceId: 'dev_1', name: 'Pixel' } }))).toBe('  ? permission to use Bash: ls → allow (by “Pixel”)');
  expect(formatMessage(permission({ decision: 'deny' }))).toBe('  ? permission to use Bash: ls → deny');
  expect(formatMessage(permission({}))).toBe('  ? permission to use Bash: ls (waiting: answer on your phone)');
});
