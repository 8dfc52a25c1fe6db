import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import { api, ApiError, type User } from '../api';
import { describeError } from '../format';
import { SignInForm } from './sign-in-form';
import { SignUpForm } from './sign-up-form';
import { StorePage } from './store-page';
import type { Notice } from './common';

type Session =
  | { state: 'checking' }
  | { state: 'signed-out'; notice?: Notice }
  | { state: 'signed-in'; user: User; notice?: Notice };

// Hash routes keep the gateway serving only `/`: every other path stays the API's.
const subscribeToHash = (onChange: () => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};
const readHash = () => window.location.hash;

function navigate(hash: string): void {
  if (window.location.hash !== hash) window.location.hash = hash;
}

export function App() {
  const [session, setSession] = useState<Session>({ state: 'checking' });
  const hash = useSyncExternalStore(subscribeToHash, readHash);

  useEffect(() => {
    api.findCurrentUser().then(
      (user) => setSession({ state: 'signed-in', user }),
      (error: unknown) => {
        const isSignedOut = error instanceof ApiError && error.isSessionExpired;
        setSession({ state: 'signed-out', notice: isSignedOut ? undefined : { tone: 'error', text: describeError(error) } });
      },
    );
  }, []);

  const startSession = useCallback((user: User, notice?: Notice) => {
    navigate('#/');
    setSession({ state: 'signed-in', user, notice });
  }, []);
  const endSession = useCallback((notice: Notice) => {
    navigate('#/sign-in');
    setSession({ state: 'signed-out', notice });
  }, []);
  const expireSession = useCallback(() => endSession({ tone: 'error', text: 'Your session has expired. Sign in again to continue.' }), [endSession]);

  async function signOut() {
    try {
      await api.logOut();
      endSession({ tone: 'success', text: 'You have signed out.' });
    } catch (error) {
      endSession({ tone: 'error', text: `Signing out may not have completed: ${describeError(error)}` });
    }
  }

  return (
    <>
      <header className="site-header">
        <p className="brand">orderflow</p>
        {session.state === 'signed-in' ? (
          <div className="account">
            <p>
              Signed in as <strong>{session.user.login}</strong>
            </p>
            <button type="button" className="secondary" onClick={() => void signOut()}>
              Sign out
            </button>
          </div>
        ) : null}
      </header>
      <main id="main" className={session.state === 'signed-in' ? 'store' : 'narrow'}>
        {session.state === 'checking' ? <p role="status">Loading…</p> : null}
        {session.state === 'signed-out' && hash === '#/sign-up' ? <SignUpForm onSignedIn={startSession} /> : null}
        {session.state === 'signed-out' && hash !== '#/sign-up' ? <SignInForm notice={session.notice} onSignedIn={startSession} /> : null}
        {session.state === 'signed-in' ? <StorePage key={session.user.id} welcome={session.notice} onSessionExpired={expireSession} /> : null}
      </main>
    </>
  );
}
