// The dashboard's tag and metadata filter, on fixtures: what a person types, the URL
// it is kept in, and whether a task from the stream matches it as the server would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLabels, labelsText, labelsFromQuery, putLabels, matchesLabels, matchesText } from '../../dashboard/labels.js';

test('typed text: words are tags, field=value words are metadata, and back', () => {
  const labels = parseLabels('  nightly customer=42 a:b  region=eu=west ');
  assert.deepEqual(labels, { tags: ['nightly', 'a:b'], meta: { customer: '42', region: 'eu=west' } });
  assert.equal(labelsText(labels), 'nightly a:b customer=42 region=eu=west');
  assert.deepEqual(parseLabels(''), { tags: [], meta: {} });
});

test('the URL keeps them as the API takes them, and other parameters stay', () => {
  const query = new URLSearchParams('state=failed&tag=old&meta.x=1');
  putLabels(query, { tags: ['nightly', 'a:b'], meta: { customer: '42' } });
  assert.equal(query.toString(), 'state=failed&tag=nightly&tag=a%3Ab&meta.customer=42');
  assert.deepEqual(labelsFromQuery(query), { tags: ['nightly', 'a:b'], meta: { customer: '42' } });
});

test('a task matches when it has every tag and each field holds the value as text', () => {
  const task = { tags: ['nightly', 'a:b'], metadata: { customer: 42, urgent: true, region: 'eu', nested: { a: 1 } } };
  assert.ok(matchesLabels(task, { tags: [], meta: {} }));
  assert.ok(matchesLabels(task, { tags: ['a:b'], meta: { customer: '42', urgent: 'true' } }));
  assert.ok(!matchesLabels(task, { tags: ['weekly'], meta: {} }));
  assert.ok(!matchesLabels(task, { tags: [], meta: { region: 'EU' } }));
  assert.ok(!matchesLabels(task, { tags: [], meta: { nested: '[object Object]' } }));
  assert.ok(!matchesLabels({ id: 'plain' }, { tags: ['nightly'], meta: {} }));
});

test('a task matches a search text in its id, kind, a tag or its error, ASCII letters in any case', () => {
  const task = { id: '01JABC', kind: 'images.Resize', tags: ['customer:42'], params: { note: 'hidden' },
    error: { type: 'io_error', message: 'Disk FULL' } };
  assert.ok(matchesText(task, ''));
  for (const q of ['01jabc', 'RESIZE', 'customer:4', 'IO_', 'disk full']) assert.ok(matchesText(task, q), q);
  assert.ok(!matchesText(task, 'hidden'));  // params are not searched, as on the server
  assert.ok(!matchesText({ id: 'x', kind: 'k' }, 'disk'));
});
