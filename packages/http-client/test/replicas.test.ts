import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReplicas, sendToReplicas } from '../src/replicas.js';

const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

describe('replicas', () => {
  test('when all are up, then they are taken in turn', () => {
    const replicas = createReplicas('order', ['a', 'b', 'c']);

    assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => replicas.pick()), ['a', 'b', 'c', 'a', 'b', 'c']);
  });

  test('when one is marked down, then it is skipped until its second is over', () => {
    let now = 0;
    const replicas = createReplicas('order', ['a', 'b'], () => now);
    replicas.markDown('a');

    assert.deepEqual([1, 2, 3].map(() => replicas.pick()), ['b', 'b', 'b']);
    now = 1_000;
    assert.deepEqual([1, 2].map(() => replicas.pick()), ['b', 'a']);
  });

  test('when every one is down, then one is still tried, and an excluded one never', () => {
    const replicas = createReplicas('order', ['a', 'b'], () => 0);
    replicas.markDown('a');
    replicas.markDown('b');

    assert.ok(['a', 'b'].includes(replicas.pick()!));
    assert.equal(replicas.pick(new Set(['a'])), 'b');
    assert.equal(replicas.pick(new Set(['a', 'b'])), undefined);
  });
});

describe('sendToReplicas', () => {
  test('when a replica refuses the connection, then the next one gets the call and the refuser is marked down', async () => {
    const replicas = createReplicas('order', ['dead', 'live'], () => 0);
    const sent: string[] = [];

    const answer = await sendToReplicas(replicas, async (replica) => {
      sent.push(replica);
      if (replica === 'dead') throw refused();
      return `answered by ${replica}`;
    });

    assert.equal(answer, 'answered by live');
    assert.deepEqual(sent, ['dead', 'live']);
    assert.equal(replicas.pick(), 'live');
  });

  test('when a replica fails after taking the call, then no other replica is tried', async () => {
    const replicas = createReplicas('order', ['slow', 'live']);
    const sent: string[] = [];

    await assert.rejects(
      sendToReplicas(replicas, async (replica) => {
        sent.push(replica);
        throw new Error('timed out');
      }),
      /timed out/,
    );
    assert.deepEqual(sent, ['slow']);
  });

  test('when every replica refuses, then each is tried once and the refusal is thrown', async () => {
    const replicas = createReplicas('order', ['a', 'b', 'c']);
    const sent: string[] = [];

    await assert.rejects(sendToReplicas(replicas, async (replica) => {
      sent.push(replica);
      throw refused();
    }), { code: 'ECONNREFUSED' });
    assert.deepEqual([...sent].sort(), ['a', 'b', 'c']);
  });
});
