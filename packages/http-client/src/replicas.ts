/**
 * The replicas of one service, taken in turn: the one rotation of the system, used by the peer
 * clients between services and by the gateway in front of them. A replica that refused a connection
 * is skipped for a short while (passive health checking, as nginx's max_fails/fail_timeout does), so
 * a killed process costs one retry, not a stream of errors. `pick` runs on every proxied request:
 * it allocates nothing and reads the clock only while some replica is marked down.
 */
export interface Replicas<T> {
  readonly name: string;
  readonly size: number;
  /** The next replica to try, avoiding those in `exclude`, and those marked down while another is up. */
  pick(exclude?: ReadonlySet<T>): T | undefined;
  markDown(replica: T): void;
}

const DOWN_FOR_MS = 1_000;

export function createReplicas<T>(name: string, replicas: readonly T[], now: () => number = Date.now): Replicas<T> {
  if (replicas.length === 0) throw new Error(`no URL for ${name}`);
  const downUntil = new Map<T, number>();
  let turn = 0;

  const isUp = (replica: T, at: number) => {
    const until = downUntil.get(replica);
    if (until === undefined) return true;
    if (until > at) return false;
    downUntil.delete(replica);
    return true;
  };

  return {
    name,
    size: replicas.length,
    pick(exclude) {
      const start = turn;
      turn = (turn + 1) % replicas.length;
      const at = downUntil.size === 0 ? 0 : now();
      let fallback: T | undefined;
      for (let offset = 0; offset < replicas.length; offset++) {
        const replica = replicas[(start + offset) % replicas.length]!;
        if (exclude?.has(replica) === true) continue;
        if (isUp(replica, at)) return replica;
        fallback ??= replica;
      }
      return fallback;
    },
    markDown(replica) {
      downUntil.set(replica, now() + DOWN_FOR_MS);
    },
  };
}

/**
 * Sends to the replicas in turn until one takes the connection. A refused connection never reached
 * the replica, so trying the next at once is safe for any call, idempotent or not; every other failure
 * is the caller's (its retry policy, or its 503). When every replica refused, the last refusal is thrown.
 */
export async function sendToReplicas<T, R>(replicas: Replicas<T>, send: (replica: T) => Promise<R>): Promise<R> {
  const tried = new Set<T>();
  for (;;) {
    const replica = replicas.pick(tried)!;
    tried.add(replica);
    try {
      return await send(replica);
    } catch (error) {
      if (!isConnectionRefused(error)) throw error;
      replicas.markDown(replica);
      if (tried.size >= replicas.size) throw error;
    }
  }
}

/** True when the error means the request never reached the peer, so sending it elsewhere is safe. */
export function isConnectionRefused(error: unknown): boolean {
  for (let cause = error; cause !== undefined && cause !== null; cause = (cause as { cause?: unknown }).cause) {
    const code = (cause as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT') return true;
  }
  return false;
}
