/** What every bare server answers: a body the size and shape of billing's GET /billing/current. */
export const BARE_PATH = '/balance';
export const BARE_ANSWER = { user_id: 4242, balance: 999_999_123.5 };
