// `#/pair?code=…&server=…`: the link printed (and shown as a QR code) by `baton up`.
import { A, useSearchParams } from '@solidjs/router';
import type { JSX } from 'solid-js';
import { PairForm } from '../components/pair-form.tsx';

export default function Pair(): JSX.Element {
  const [params] = useSearchParams<{ code?: string; server?: string }>();
  return (
    <>
      <header class="topbar">
        <div class="topbar-title">
          <A href="/" class="back" aria-label="Back to sessions">‹</A>
          <h1>Add a server</h1>
        </div>
      </header>
      <main class="page" id="main">
        <PairForm server={params.server} code={params.code} fromLink={Boolean(params.code && params.server)} />
      </main>
    </>
  );
}
