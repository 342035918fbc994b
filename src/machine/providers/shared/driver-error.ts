// A typed failure a running handle reports (e.g. send() after the vendor came back under another id).
import type { ResumeFailureCode } from '../../../core/index.ts';

export class DriverError extends Error {
  constructor(readonly code: ResumeFailureCode, message: string) {
    super(message);
    this.name = 'DriverError';
  }
}
