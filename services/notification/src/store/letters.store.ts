import type { Queryable } from '@orderflow/db';
import type { PageBounds } from '@orderflow/kit';

export interface Letter {
  id: number;
  deliveryId: string;
  userId: number;
  orderId: number;
  email: string;
  event: string;
  message: string;
  createdAt: Date;
}

interface LetterRow {
  id: number;
  delivery_id: string;
  user_id: number;
  order_id: number;
  email: string;
  event: string;
  message: string;
  created_at: Date;
}

function toLetter(row: LetterRow): Letter {
  return {
    id: row.id,
    deliveryId: row.delivery_id,
    userId: row.user_id,
    orderId: row.order_id,
    email: row.email,
    event: row.event,
    message: row.message,
    createdAt: row.created_at,
  };
}

export const LIST_LETTERS_OF_USER = 'SELECT * FROM letters WHERE user_id = $1 AND id <= coalesce($2::bigint, 9223372036854775807) ORDER BY id DESC LIMIT $3';

export function createLettersStore(db: Queryable) {
  return {
    /** Stores the letter once: a redelivery with the same delivery id returns the stored letter. */
    async storeLetter(letter: Omit<Letter, 'id' | 'createdAt'>): Promise<{ letter: Letter; isNew: boolean }> {
      const { rows } = await db.query<LetterRow & { is_new: boolean }>({
        name: 'letters.store',
        text: `WITH inserted AS (
           INSERT INTO letters (delivery_id, user_id, order_id, email, event, message)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (delivery_id) DO NOTHING
           RETURNING *
         )
         SELECT *, true AS is_new FROM inserted
         UNION ALL
         SELECT *, false AS is_new FROM letters WHERE delivery_id = $1 AND NOT EXISTS (SELECT 1 FROM inserted)`,
        values: [letter.deliveryId, letter.userId, letter.orderId, letter.email, letter.event, letter.message],
      });
      const row = rows[0];
      if (row !== undefined) return { letter: toLetter(row), isNew: row.is_new };
      // The twin delivery committed after this statement's snapshot was taken: read it now.
      const { rows: committed } = await db.query<LetterRow>('SELECT * FROM letters WHERE delivery_id = $1', [letter.deliveryId]);
      return { letter: toLetter(committed[0]!), isNew: false };
    },

    /**
     * A page of the user's letters, newest first (see PageBounds). One range of letters_user_id_idx,
     * read in index order, whatever the depth of the page (EXPLAIN of the generic plan):
     *   Limit
     *     ->  Index Scan using letters_user_id_idx on letters
     *           Index Cond: ((user_id = $1) AND (id <= COALESCE($2, '9223372036854775807'::bigint)))
     */
    async listLettersOfUser(userId: number, bounds: PageBounds): Promise<Letter[]> {
      const { rows } = await db.query<LetterRow>({ name: 'letters.list_of_user', text: LIST_LETTERS_OF_USER, values: [userId, bounds.throughId, bounds.limit] });
      return rows.map(toLetter);
    },
  };
}
