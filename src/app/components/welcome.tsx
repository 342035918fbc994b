// First run: what Baton is and how to pair the first server.
import type { JSX } from 'solid-js';
import { PairForm } from './pair-form.tsx';

export function Welcome(): JSX.Element {
  return (
    <main class="page welcome" id="main">
      <img src="/icon-192.png" alt="" width="72" height="72" class="welcome-icon" />
      <h1>Baton</h1>
      <p class="lead">Pick up your coding agents’ sessions from your phone. Run <code>baton up</code> on your computer and open the link it prints, or enter its address and code here.</p>
      <PairForm />
    </main>
  );
}
