import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSessionCache } from '../src/session-cache.js';

const identity = { 'x-userid': '7' };

function cacheWithClock(ttlMs = 5000) {
  const clock = { now: 1_000_000 };
  return { clock, cache: createSessionCache({ ttlMs, now: () => clock.now }) };
}

describe('session cache', () => {
  test('when auth vouched a moment ago, then the answer is reused until the TTL', () => {
    const { clock, cache } = cacheWithClock();
    cache.remember('t', identity, clock.now, clock.now + 3_600_000);

    clock.now += 4_999;
    assert.deepEqual(cache.get('t'), identity);
    clock.now += 1;
    assert.equal(cache.get('t'), undefined);
  });

  test('when the session ends before the TTL, then the entry ends with it', () => {
    const { clock, cache } = cacheWithClock();
    cache.remember('t', identity, clock.now, clock.now + 1_000);

    clock.now += 1_000;

    assert.equal(cache.get('t'), undefined);
  });

  test('when the session is revoked, then it is forgotten at once', () => {
    const { clock, cache } = cacheWithClock();
    cache.remember('t', identity, clock.now, clock.now + 3_600_000);

    cache.revoke('t');

    assert.equal(cache.get('t'), undefined);
  });

  test('when a check began before the revocation, then its answer is not remembered', () => {
    const { clock, cache } = cacheWithClock();
    const askedAt = clock.now;
    clock.now += 5;
    cache.revoke('t');
    clock.now += 5;

    cache.remember('t', identity, askedAt, clock.now + 3_600_000);

    assert.equal(cache.get('t'), undefined);
  });

  test('when the TTL is 0, then nothing is remembered', () => {
    const { clock, cache } = cacheWithClock(0);

    cache.remember('t', identity, clock.now, clock.now + 3_600_000);

    assert.equal(cache.get('t'), undefined);
  });
});
