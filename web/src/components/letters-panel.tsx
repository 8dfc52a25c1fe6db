import type { Letter, Page } from '../api';
import { OlderButton } from './common';
import { formatTime } from '../format';

export function LettersPanel({ letters, onOlder }: { letters: Page<Letter>; onOlder: () => Promise<void> }) {
  return (
    <section className="card panel-letters" aria-labelledby="letters-title">
      <h2 id="letters-title">Letters</h2>
      {letters.items.length === 0 ? (
        <p className="empty">No letters yet: one arrives when an order is paid, refused or cancelled.</p>
      ) : (
        <ol className="letters">
          {letters.items.map((letter) => (
            <li key={letter.id}>
              <p className="letter-message">{letter.message}</p>
              <p className="meta">
                <time dateTime={letter.created_at}>{formatTime(letter.created_at)}</time> to {letter.email}
              </p>
            </li>
          ))}
        </ol>
      )}
      <OlderButton page={letters} label="Older letters" onOlder={onOlder} />
    </section>
  );
}
