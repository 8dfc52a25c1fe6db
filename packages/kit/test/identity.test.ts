import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createIdentitySigner, createIdentityVerifier, readIdentityKey, readSessionToken } from '../src/identity.js';

const identity = { userId: 681, login: 'ada', email: 'ada@example.com', firstName: 'Ада', lastName: 'Lovelace' };

describe('signed identity', () => {
  const keys = generateKeyPairSync('ed25519');
  const signer = createIdentitySigner(keys.privateKey, 60);

  test('when auth signs an identity, then a service with its public key reads the same identity back', async () => {
    const verify = createIdentityVerifier(keys.publicKey);

    assert.deepEqual(await verify(await signer.sign(identity)), identity);
  });

  test('when one byte of the token is changed, then it is refused', async () => {
    const token = await signer.sign(identity);
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: '1' })).toString('base64url');
    const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);

    const verify = createIdentityVerifier(keys.publicKey);
    assert.equal(await verify(`${header}.${forgedPayload}.${signature}`), undefined);
    assert.equal(await verify(`${header}.${payload}.${flipped}`), undefined);
    assert.equal(await verify('not-a-token'), undefined);
  });

  test('when the token is signed by another key, or with alg none, then it is refused', async () => {
    const other = generateKeyPairSync('ed25519');
    const foreign = await createIdentitySigner(other.privateKey, 60).sign(identity);
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${(await signer.sign(identity)).split('.')[1]}.`;

    const verify = createIdentityVerifier(keys.publicKey);
    assert.equal(await verify(foreign), undefined);
    assert.equal(await verify(unsigned), undefined);
  });

  test('when the token has expired, then it is refused, even if it was accepted while valid', async () => {
    let now = Date.now();
    const verify = createIdentityVerifier(keys.publicKey, { now: () => now });
    const token = await signer.sign(identity);
    assert.deepEqual(await verify(token), identity);

    now += 61_000;

    assert.equal(await verify(token), undefined);
  });

  test('when a key comes as one line of base64 DER, as in a Kubernetes Secret, then it reads the same as PEM', async () => {
    const derPrivate = keys.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    const pemPublic = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const token = await createIdentitySigner(readIdentityKey('private', derPrivate), 60).sign(identity);

    assert.deepEqual(await createIdentityVerifier(readIdentityKey('public', pemPublic))(token), identity);
    assert.throws(() => readIdentityKey('public', generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' }).toString()), /Ed25519/);
  });
});

describe('readSessionToken', () => {
  const table: Array<[string | undefined, string | undefined, string | undefined]> = [
    ['session_id=abc', undefined, 'abc'],
    ['theme=dark; session_id=abc; x=1', undefined, 'abc'],
    // Cookie values are percent-decoded by every cookie parser, auth's included: the cache must agree.
    ['session_id=ab%63', undefined, 'abc'],
    ['session_id=', 'Bearer xyz', 'xyz'],
    [undefined, 'Bearer xyz', 'xyz'],
    ['session_id=abc', 'Bearer xyz', 'abc'],
    ['other=1', 'Basic Zm9v', undefined],
    [undefined, undefined, undefined],
  ];
  for (const [cookie, authorization, expected] of table) {
    test(`cookie ${cookie ?? '-'} and authorization ${authorization ?? '-'} give ${expected ?? 'nothing'}`, () => {
      assert.equal(readSessionToken({ cookie, authorization }), expected);
    });
  }
});
