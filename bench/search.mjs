// Search in the browser over SEARCH_NOTES (10,000) notes of about 1.2 KB of
// made-up words each (12 MB): the notes are seeded on the server and pulled
// by a first sync; then the time until the index is complete (the first
// search indexes what the background has not), and, for words, 3-letter
// prefixes, two words and phrases, the time from the query leaving the box
// (after its 150 ms pause) to the frame that draws the results.
import { randomBytes } from 'node:crypto';

const SYLLABLES = ['ka', 'lo', 'mé', 'ri', 'sa', 'tu', 'vé', 'no', 'pa', 'zi', 'cha', 'ël'];
const VOCABULARY = SYLLABLES.flatMap((a) => SYLLABLES.flatMap((b) => SYLLABLES.map((c) => a + b + c)));

/** The same words on every run (xorshift32). */
export function words(seed = 0x2545f491) {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return VOCABULARY[s % VOCABULARY.length];
  };
}

/** A note's lines: a title of 4 words, then lines of 12, about `bytes` in all. */
export function noteLines(next, bytes = 1_200) {
  const lines = [];
  let size = 0;
  while (size < bytes) {
    const line = Array.from({ length: lines.length === 0 ? 4 : 12 }, next).join(' ');
    lines.push(line);
    size += line.length + 1;
  }
  return lines;
}

/** Times `queries` typed into the search box of `page`, in ms. */
export async function timeQueries(page, queries) {
  const box = page.getByRole('searchbox', { name: 'Search notes' });
  const times = [];
  for (const q of queries) {
    // From a search that finds nothing, so that the results' arrival is the
    // list changing.
    await box.fill('qqqqzzzz');
    await page.getByText('No note matches your search.').waitFor();
    const ms = await page.evaluate(async (query) => {
      const input = document.querySelector('input.search');
      const pause = 150;
      const typed = performance.now();
      input.value = query;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise((resolve) => {
        const look = () => (document.querySelector('.note-list .note-title') ? resolve() : requestAnimationFrame(look));
        requestAnimationFrame(look);
      });
      return performance.now() - typed - pause;
    }, q);
    times.push(ms);
  }
  return times;
}

export const randomSite = () => randomBytes(16).toString('hex');
