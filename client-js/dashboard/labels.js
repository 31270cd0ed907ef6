// Tags and metadata in the dashboard: the filter a person types ("nightly customer=42"),
// the same filter in the page's URL (tag=…&meta.customer=42, as the API takes it), and
// whether a task that arrives on the stream matches it — and the same for a search text (q).

/** @typedef {{ tags: string[], meta: Record<string, string> }} Labels */

/** "nightly customer=42" → a tag and a metadata field. @param {string} text @returns {Labels} */
export function parseLabels(text) {
  /** @type {Labels} */
  const labels = { tags: [], meta: {} };
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const eq = word.indexOf('=');
    if (eq > 0) labels.meta[word.slice(0, eq)] = word.slice(eq + 1);
    else labels.tags.push(word);
  }
  return labels;
}

/** The inverse of parseLabels. @param {Labels} labels */
export function labelsText({ tags, meta }) {
  return [...tags, ...Object.entries(meta).map(([k, v]) => `${k}=${v}`)].join(' ');
}

/** The labels a URL's query names. @param {URLSearchParams} query @returns {Labels} */
export function labelsFromQuery(query) {
  /** @type {Record<string, string>} */
  const meta = {};
  for (const [key, value] of query) if (key.startsWith('meta.') && key.length > 5) meta[key.slice(5)] = value;
  return { tags: query.getAll('tag'), meta };
}

/** Writes `labels` into `query`, in place of what it named. @param {URLSearchParams} query @param {Labels} labels */
export function putLabels(query, labels) {
  for (const key of [...query.keys()]) if (key === 'tag' || key.startsWith('meta.')) query.delete(key);
  for (const tag of labels.tags) query.append('tag', tag);
  for (const [field, value] of Object.entries(labels.meta)) query.append(`meta.${field}`, value);
}

/** Whether `task` has every tag and metadata value, as the server compares them. @param {any} task @param {Labels} labels */
export function matchesLabels(task, { tags, meta }) {
  const has = task.tags ?? [];
  if (!tags.every((t) => has.includes(t))) return false;
  return Object.entries(meta).every(([field, value]) => {
    const v = task.metadata?.[field];
    return ['string', 'number', 'boolean'].includes(typeof v) && String(v) === value;
  });
}

/** ASCII letters in lower case, as the server folds a search text. @param {string} text */
const fold = (text) => text.replace(/[A-Z]+/g, (m) => m.toLowerCase());

/** Whether `q` is within the task's id, kind, a tag, or its error's type or message, as the
 * server's q= finds it (ASCII letters in any case). @param {any} task @param {string} q */
export function matchesText(task, q) {
  if (!q) return true;
  const want = fold(q);
  const words = [task.id, task.kind, ...(task.tags ?? []), task.error?.type, task.error?.message];
  return words.some((w) => typeof w === 'string' && fold(w).includes(want));
}
