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

/** A letter's columns, named as Letter names them. */
const LETTER_COLUMNS = 'id, delivery_id AS "deliveryId", user_id AS "userId", order_id AS "orderId", email, event, message, created_at AS "createdAt"';

export const LIST_LETTERS_OF_USER = `SELECT ${LETTER_COLUMNS} FROM letters WHERE user_id = $1 AND id <= coalesce($2::bigint, 9223372036854775807) ORDER BY id DESC LIMIT $3`;

export function createLettersStore(db: Queryable) {
  return {
    /** Stores the letter once: a redelivery with the same delivery id returns the stored letter. */
    async storeLetter(letter: Omit<Letter, 'id' | 'createdAt'>): Promise<{ letter: Letter; isNew: boolean }> {
      const { rows } = await db.query<Letter & { isNew: boolean }>({
        name: 'letters.store',
        text: `WITH inserted AS (
           INSERT INTO letters (delivery_id, user_id, order_id, email, event, message)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (delivery_id) DO NOTHING
           RETURNING ${LETTER_COLUMNS}
         )
         SELECT *, true AS "isNew" FROM inserted
         UNION ALL
         SELECT ${LETTER_COLUMNS}, false FROM letters WHERE delivery_id = $1 AND NOT EXISTS (SELECT 1 FROM inserted)`,
        values: [letter.deliveryId, letter.userId, letter.orderId, letter.email, letter.event, letter.message],
      });
      const [row] = rows;
      if (row !== undefined) {
        const { isNew, ...stored } = row;
        return { letter: stored, isNew };
      }
      // The twin delivery committed after this statement's snapshot was taken: read it now.
      const { rows: committed } = await db.query<Letter>(`SELECT ${LETTER_COLUMNS} FROM letters WHERE delivery_id = $1`, [letter.deliveryId]);
      return { letter: committed[0]!, isNew: false };
    },

    /**
     * A page of the user's letters, newest first (see PageBounds). One range of letters_user_id_idx,
     * read in index order, whatever the depth of the page (EXPLAIN of the generic plan):
     *   Limit
     *     ->  Index Scan using letters_user_id_idx on letters
     *           Index Cond: ((user_id = $1) AND (id <= COALESCE($2, '9223372036854775807'::bigint)))
     */
    async listLettersOfUser(userId: number, bounds: PageBounds): Promise<Letter[]> {
      const { rows } = await db.query<Letter>({ name: 'letters.list_of_user', text: LIST_LETTERS_OF_USER, values: [userId, bounds.throughId, bounds.limit] });
      return rows;
    },
  };
}
