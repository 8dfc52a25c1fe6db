import type { Queryable } from '@orderflow/db';
import { createOutboxStore } from './outbox.store.js';

/** At 300 paid orders a second, about 15 marks share a statement. */
export const DEFAULT_DELIVERED_MARK_DELAY_MS = 50;

export interface DeliveredMarks {
  /** Queues a delivered letter's mark; it is written within the batch delay. */
  add(outboxId: number): void;
  /** Writes every queued mark now; resolves when they are written (or their failure reported). */
  flush(): Promise<void>;
}

export interface DeliveredMarksOptions {
  /** How long a mark may wait for others to share its statement. */
  delayMs: number;
  /** A batch this large is written at once. */
  maxBatch?: number;
  /** How many letters a batch marked (already-marked ones do not count). */
  onMarked(count: number): void;
  onError(error: unknown, outboxIds: number[]): void;
}

/**
 * Marks delivered letters in batches: one UPDATE (one commit) for every letter delivered within
 * `delayMs`, instead of one per letter. A mark is only bookkeeping: if it is lost (a crash, a failed
 * statement) the delivery loop delivers the letter again, and notification stores it once (its
 * delivery id), so nothing waits for it.
 */
export function createDeliveredMarks(db: Queryable, options: DeliveredMarksOptions): DeliveredMarks {
  const outbox = createOutboxStore(db);
  const maxBatch = options.maxBatch ?? 500;
  let queued: number[] = [];
  let timer: NodeJS.Timeout | undefined;
  // Batches are written one after another, so flush() resolves after every earlier one too.
  let written: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    clearTimeout(timer);
    timer = undefined;
    if (queued.length === 0) return written;
    const ids = queued;
    queued = [];
    written = written.then(() => outbox.markDelivered(ids)).then(options.onMarked, (error: unknown) => options.onError(error, ids));
    return written;
  };

  return {
    add(outboxId) {
      queued.push(outboxId);
      if (queued.length >= maxBatch) void flush();
      else timer ??= setTimeout(flush, options.delayMs);
    },
    flush,
  };
}
