import { Type } from 'typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { encodeIdentityHeaders, problemResponses, readSessionToken, SESSION_COOKIE, unauthorized, type IdentitySigner, type ServiceApp } from '@orderflow/kit';
import { registerUser } from '../domain/register-user.js';
import { logIn } from '../domain/log-in.js';
import { authenticateSession, logOut } from '../domain/authenticate-session.js';
import type { AuthDeps } from '../domain/deps.js';
import type { User } from '../store/users.store.js';

const LoginSchema = Type.String({ minLength: 3, maxLength: 64, pattern: '^[A-Za-z0-9._@+-]+$', description: 'Letters, digits and . _ @ + -' });
// 8 to 128 characters: long passphrases are welcome, unbounded ones would be a hashing DoS.
const PasswordSchema = Type.String({ minLength: 8, maxLength: 128 });
const NameSchema = Type.String({ maxLength: 100 });

const RegisterBodySchema = Type.Object(
  {
    login: LoginSchema,
    password: PasswordSchema,
    email: Type.String({ format: 'email', maxLength: 254 }),
    first_name: Type.Optional(NameSchema),
    last_name: Type.Optional(NameSchema),
  },
  { additionalProperties: false },
);

const LoginBodySchema = Type.Object(
  { login: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 128 }) },
  { additionalProperties: false },
);

const UserSchema = Type.Object({ id: Type.Integer(), login: Type.String(), email: Type.String() });
const ProfileSchema = Type.Object({
  id: Type.Integer(),
  login: Type.String(),
  email: Type.String(),
  first_name: Type.String(),
  last_name: Type.String(),
});

export interface CookiePolicy {
  secure: boolean;
  maxAgeSeconds: number;
}

function toProfile(user: User) {
  return { id: user.id, login: user.login, email: user.email, first_name: user.firstName, last_name: user.lastName };
}

function clearSessionCookie(reply: FastifyReply, cookie: CookiePolicy): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: cookie.secure });
}

export function registerAuthRoutes(app: ServiceApp, deps: AuthDeps, cookie: CookiePolicy, identitySigner: IdentitySigner): void {
  app.post(
    '/register',
    { schema: { tags: ['auth'], summary: 'Create a user and their billing account (a 503 `auth.account_pending` is finished by the same registration again)', body: RegisterBodySchema, response: { 200: UserSchema, ...problemResponses({ 409: ['auth.login_taken'], 503: ['auth.account_pending', 'database.unavailable'] }) } } },
    async (request) => {
      const body = request.body;
      const user = await registerUser(
        deps,
        { login: body.login, password: body.password, email: body.email, firstName: body.first_name ?? '', lastName: body.last_name ?? '' },
        request.id,
      );
      return { id: user.id, login: user.login, email: user.email };
    },
  );

  app.post(
    '/login',
    { schema: { tags: ['auth'], summary: 'Open a session (sets the session_id cookie)', body: LoginBodySchema, response: { 200: UserSchema, ...problemResponses({ 401: ['auth.unauthenticated'], 429: ['auth.too_many_attempts'], 503: ['auth.account_pending', 'database.unavailable'] }) } } },
    async (request, reply) => {
      // The client's address as the edge saw it: X-Forwarded-For counts only from TRUSTED_PROXIES.
      // A peer on the Unix socket that names no client has no address: it counts as one client.
      const { user, token } = await logIn(deps, request.body.login, request.body.password, request.ip ?? 'unix-socket', request.id);
      reply.setCookie(SESSION_COOKIE, token, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        secure: cookie.secure,
        maxAge: cookie.maxAgeSeconds,
      });
      return { id: user.id, login: user.login, email: user.email };
    },
  );

  const logoutHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    await logOut(deps, readSessionToken(request.headers));
    clearSessionCookie(reply, cookie);
    return { status: 'logged_out' as const };
  };
  const logoutSchema = { tags: ['auth'], summary: 'Revoke the session and clear the cookie', response: { 200: Type.Object({ status: Type.Literal('logged_out') }) } };
  app.get('/logout', { schema: logoutSchema }, logoutHandler);
  app.post('/logout', { schema: logoutSchema }, logoutHandler);

  const forwardAuthHandler = async (request: FastifyRequest, reply: FastifyReply) => {
    const session = await authenticateSession(deps, readSessionToken(request.headers));
    if (session === null) throw unauthorized();
    const { user } = session;
    const identity = { userId: user.id, login: user.login, email: user.email, firstName: user.firstName, lastName: user.lastName };
    reply.headers(encodeIdentityHeaders(identity, await identitySigner.sign(identity)));
    // The session's absolute end, so an edge that remembers this answer never outlives it.
    reply.header('x-session-expires-at', String(session.expiresAt.getTime()));
    reply.header('cache-control', 'no-store');
    return toProfile(user);
  };
  app.get(
    '/auth',
    {
      schema: {
        tags: ['auth'],
        summary: "The caller's profile; the edge's forward-auth endpoint (200 with X-Identity-Token, the signed identity, and X-UserId, X-User, X-Email, X-First-Name, X-Last-Name; or 401)",
        response: { 200: ProfileSchema, ...problemResponses({ 401: ['auth.unauthenticated'] }) },
      },
    },
    forwardAuthHandler,
  );
  // Envoy Gateway's HTTP ext-auth (the Gateway API overlay) calls `/auth` + the original path with the
  // original method and no body, so the same check answers every method under /auth/.
  app.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: '/auth/*',
    schema: { response: { 200: ProfileSchema } },
    handler: forwardAuthHandler,
  });

  app.get('/signin', { schema: { tags: ['auth'], summary: 'Where the edge sends the unauthenticated: says to log in', response: problemResponses({ 401: ['auth.unauthenticated'] }) } }, async () => {
    throw unauthorized('Log in with POST /login {"login", "password"} to get a session cookie.');
  });
}
