// A home (or database) the server cannot use; the message names the path and what to do.
export class HomeUnusableError extends Error {
  constructor(readonly path: string, why: string) {
    super(`cannot use ${path} for the server's data: ${why}`);
    this.name = 'HomeUnusableError';
  }
}
