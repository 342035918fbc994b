// The bottom navigation: thumb-reachable, above the home indicator.
import { A } from '@solidjs/router';
import type { JSX } from 'solid-js';

export function BottomNav(): JSX.Element {
  return (
    <nav class="bottom-nav" aria-label="Main">
      <A href="/" end activeClass="active">
        <span aria-hidden="true" class="nav-icon">☰</span>Sessions
      </A>
      <A href="/new" activeClass="active">
        <span aria-hidden="true" class="nav-icon">+</span>New
      </A>
      <A href="/machines" activeClass="active">
        <span aria-hidden="true" class="nav-icon">▣</span>Machines
      </A>
      <A href="/settings" activeClass="active">
        <span aria-hidden="true" class="nav-icon">⚙</span>Settings
      </A>
    </nav>
  );
}
