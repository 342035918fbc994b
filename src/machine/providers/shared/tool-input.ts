// Turns a tool's structured input into the one line a phone shows (the command, the path, …), else compact JSON.
const PREFERRED_KEYS = ['command', 'file_path', 'filePath', 'absolute_path', 'path', 'pattern', 'url', 'query', 'prompt'] as const;

export function summarizeToolInput(input: unknown, maxChars = 4000): string {
  let text: string;
  if (typeof input === 'string') text = input;
  else if (Array.isArray(input) && input.every((x) => typeof x === 'string')) text = input.join(' ');
  else if (typeof input === 'object' && input !== null) {
    const obj = input as Record<string, unknown>;
    const key = PREFERRED_KEYS.find((k) => typeof obj[k] === 'string' || (k === 'command' && Array.isArray(obj[k])));
    text = key !== undefined ? summarizeToolInput(obj[key], maxChars) : JSON.stringify(input);
  } else text = input === undefined ? '' : JSON.stringify(input);
  return text.length > maxChars ? text.slice(0, maxChars - 1) + '…' : text;
}
