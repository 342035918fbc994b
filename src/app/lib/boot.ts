// Imported first by main.tsx, so its body runs before the rest of the app evaluates: start the databases opening.
import { startEarly } from './early-start.ts';

startEarly();
