// Copy to the clipboard where allowed; callers always show the text too, so a refusal never hides it.
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
