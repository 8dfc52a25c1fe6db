import { useState, type FormEvent } from 'react';
import { api, type User } from '../api';
import { describeError } from '../format';
import { Field, NoticeArea, readField, useFocusOnMount, type Notice } from './common';

export function SignInForm({ notice, onSignedIn }: { notice: Notice | undefined; onSignedIn: (user: User) => void }) {
  const [current, setCurrent] = useState(notice);
  const [isBusy, setBusy] = useState(false);
  const heading = useFocusOnMount<HTMLHeadingElement>();

  async function signIn(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (isBusy) return;
    const form = event.currentTarget;
    setBusy(true);
    try {
      onSignedIn(await api.logIn(readField(form, 'login'), readField(form, 'password')));
    } catch (error) {
      setCurrent({ tone: 'error', text: describeError(error) });
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title" tabIndex={-1} ref={heading}>
        Sign in
      </h1>
      <NoticeArea notice={current} />
      <form onSubmit={(event) => void signIn(event)} aria-busy={isBusy}>
        <Field id="sign-in-login" name="login" label="Login" autoComplete="username" required />
        <Field id="sign-in-password" name="password" label="Password" type="password" autoComplete="current-password" required />
        <button type="submit">Sign in</button>
      </form>
      <p>
        New here? <a href="#/sign-up">Create an account</a>
      </p>
    </section>
  );
}
