// What every fake agent does in one turn, so fakes, drivers, daemon and chaos tests agree on the same script.

/** The tool every turn uses first (after the permission step, if the `permission` fault is on). */
export const TURN_TOOL = { tool: 'Read', input: 'README.md' };

/** The tool a `permission` fault asks approval for. */
export const PERMISSION_TOOL = { tool: 'Bash', input: 'ls' };

/** The agent's answer text for user text T. */
export function replyText(userText) {
  return `echo: ${userText}`;
}

/** The text the agent says after the permission answer came back: `allowed: ls` or `denied: ls`. */
export function permissionReply(allowed) {
  return `${allowed ? 'allowed' : 'denied'}: ${PERMISSION_TOOL.input}`;
}
