import { Type } from 'typebox';
import { boundsOf, MAX_ID, PAGE_PROBLEMS, PageQuerySchema, PageSchema, readPage, replyWithPage, requireIdentity, type ServiceApp } from '@orderflow/kit';
import type { Pool } from '@orderflow/db';
import { createLettersStore, type Letter } from '../store/letters.store.js';

const LetterSchema = Type.Object({
  id: Type.Integer(),
  order_id: Type.Integer(),
  email: Type.String(),
  event: Type.String(),
  message: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
});

const Id = Type.Integer({ minimum: 1, maximum: MAX_ID });
const DeliverBodySchema = Type.Object(
  {
    delivery_id: Type.String({ minLength: 1, maxLength: 100 }),
    user_id: Id,
    order_id: Id,
    email: Type.String({ maxLength: 254 }),
    event: Type.String({ minLength: 1, maxLength: 64 }),
    message: Type.String({ minLength: 1, maxLength: 2000 }),
  },
  { additionalProperties: false },
);

function toLetterJson(letter: Letter) {
  return {
    id: letter.id,
    order_id: letter.orderId,
    email: letter.email,
    event: letter.event,
    message: letter.message,
    created_at: letter.createdAt.toISOString(),
  };
}

export function registerLetterRoutes(app: ServiceApp, db: Pool): void {
  app.get(
    '/notification',
    { schema: { tags: ['notification'], summary: "The caller's letters, newest first, a page at a time", querystring: PageQuerySchema, response: { 200: PageSchema(LetterSchema), ...PAGE_PROBLEMS } } },
    async (request, reply) => {
      const { userId } = requireIdentity(request);
      const page = readPage(request.query);
      const letters = await createLettersStore(db).listLettersOfUser(userId, boundsOf(page));
      return replyWithPage(request, reply, page, letters).map(toLetterJson);
    },
  );

  app.post(
    '/internal/letters',
    {
      schema: {
        tags: ['internal'],
        summary: 'Store a letter, exactly once per delivery_id (201 first time, 200 on redelivery)',
        body: DeliverBodySchema,
        response: { 200: LetterSchema, 201: LetterSchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const { letter, isNew } = await createLettersStore(db).storeLetter({
        deliveryId: body.delivery_id,
        userId: body.user_id,
        orderId: body.order_id,
        email: body.email,
        event: body.event,
        message: body.message,
      });
      return reply.status(isNew ? 201 : 200).send(toLetterJson(letter));
    },
  );
}
