// The dashboard's bulk actions, on fixtures: the table's filter as the bulk filter the
// API takes (none for a filter that names nothing), and in words for the question.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bulkFilter, describeFilter } from '../../dashboard/bulk.js';

const none = { state: '', kind: '', labels: { tags: [], meta: {} } };

test('a filter that names nothing gives no bulk filter: a bulk action never takes every task', () => {
  assert.equal(bulkFilter(none), null);
  assert.equal(describeFilter(none), '');
});

test('state, kind, tags and metadata: the API\'s names, only what is given, and in words', () => {
  const f = { state: 'failed', kind: 'demo.fail', labels: { tags: ['nightly', 'eu'], meta: { customer: '42' } } };
  assert.deepEqual(bulkFilter(f), { state: 'failed', kind: 'demo.fail', tag: ['nightly', 'eu'], meta: { customer: '42' } });
  assert.equal(describeFilter(f), 'state failed, kind demo.fail, tag nightly, tag eu, customer=42');
  assert.deepEqual(bulkFilter({ ...none, labels: { tags: [], meta: { region: 'eu' } } }), { meta: { region: 'eu' } });
});
