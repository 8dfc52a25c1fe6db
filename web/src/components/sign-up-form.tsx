import { useState, type FormEvent } from 'react';
import { api, type User } from '../api';
import { describeError } from '../format';
import { Field, NoticeArea, readField, useFocusOnMount, type Notice } from './common';

export function SignUpForm({ onSignedIn }: { onSignedIn: (user: User, welcome: Notice) => void }) {
  const [notice, setNotice] = useState<Notice>();
  const [isBusy, setBusy] = useState(false);
  const heading = useFocusOnMount<HTMLHeadingElement>();

  async function signUp(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (isBusy) return;
    const form = event.currentTarget;
    const login = readField(form, 'login');
    const password = readField(form, 'password');
    const firstName = readField(form, 'first_name').trim();
    const lastName = readField(form, 'last_name').trim();
    setBusy(true);
    try {
      await api.register({
        login,
        password,
        email: readField(form, 'email').trim(),
        ...(firstName === '' ? {} : { first_name: firstName }),
        ...(lastName === '' ? {} : { last_name: lastName }),
      });
    } catch (error) {
      setNotice({ tone: 'error', text: describeError(error) });
      setBusy(false);
      return;
    }
    try {
      const user = await api.logIn(login, password);
      onSignedIn(user, { tone: 'success', text: `Welcome, ${user.login}! Top up your balance, then place an order.` });
    } catch (error) {
      setNotice({ tone: 'error', text: `Your account is ready, but signing in failed: ${describeError(error)} Use Sign in below.` });
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="sign-up-title">
      <h1 id="sign-up-title" tabIndex={-1} ref={heading}>
        Create an account
      </h1>
      <NoticeArea notice={notice} />
      <form onSubmit={(event) => void signUp(event)} aria-busy={isBusy}>
        <Field id="sign-up-login" name="login" label="Login" hint="3 to 64 characters: letters, digits and . _ @ + -" autoComplete="username" required />
        <Field id="sign-up-email" name="email" label="Email" type="email" hint="Letters about your orders are addressed here." autoComplete="email" required />
        <Field id="sign-up-password" name="password" label="Password" type="password" hint="8 to 128 characters." autoComplete="new-password" required />
        <Field id="sign-up-first-name" name="first_name" label="First name (optional)" autoComplete="given-name" />
        <Field id="sign-up-last-name" name="last_name" label="Last name (optional)" autoComplete="family-name" />
        <button type="submit">Create account</button>
      </form>
      <p>
        Already registered? <a href="#/sign-in">Sign in</a>
      </p>
    </section>
  );
}
