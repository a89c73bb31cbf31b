import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createRefusedSubmissions, type RefusedSubmission } from '../../src/outbound/index.js';
import { systemClock } from '../../src/runtime/clock.js';
import { createTestApp, storeKinds } from '../support/test-app.js';

const refusal: RefusedSubmission = {
  mailbox: 'alice@example.org',
  operation: 'SendAs',
  protocol: 'smtp',
  refusal: 'sender-not-allowed',
  reply: '550 5.7.60',
  reason: 'Client does not have permissions to send as this sender',
  from: 'ceo@example.org',
  recipients: ['x@customer.test'],
  clientIp: '198.51.100.7',
  sessionId: 's1',
};

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

for (const kind of storeKinds) {
  describe(`refused submissions grouped per burst (${kind})`, () => {
    test('a group is written when its window ends, without a flush; a later refusal starts a new record', async () => {
      const { app, cleanup } = await createTestApp(kind);
      const refusals = createRefusedSubmissions({ audit: app.audit, clock: systemClock, windowMs: 300 });
      try {
        const failures = async () =>
          (await app.audit.search({ result: 'failure', operations: ['SendAs'] })).records;
        refusals.record(refusal);
        refusals.record({ ...refusal, recipients: ['y@customer.test'], sessionId: 's2' });
        assert.equal((await failures()).length, 0, 'held while the window is open');
        await waitFor(async () => (await failures()).length === 1);
        const [first] = await failures();
        assert.equal(first?.details?.['count'], 2);
        assert.deepEqual(first?.details?.['recipients'], ['x@customer.test', 'y@customer.test']);
        assert.deepEqual(first?.details?.['sessions'], ['s1', 's2']);
        refusals.record(refusal);
        await waitFor(async () => (await failures()).length === 2);
        assert.equal(refusals.openGroups(), 0);
      } finally {
        await refusals.flush();
        await cleanup();
      }
    });

    test('different refusals, senders or client IPs are separate records', async () => {
      const { app, cleanup } = await createTestApp(kind);
      const refusals = createRefusedSubmissions({ audit: app.audit, clock: systemClock });
      try {
        refusals.record(refusal);
        refusals.record({ ...refusal, from: 'boss@example.org' });
        refusals.record({ ...refusal, clientIp: '203.0.113.5' });
        refusals.record({ ...refusal, operation: 'Send', refusal: 'rate-limited', reply: '451 4.7.1' });
        refusals.record(refusal);
        await refusals.flush();
        const { records } = await app.audit.search({ result: 'failure' });
        assert.deepEqual(records.map((record) => record.details?.['count']).sort(), [1, 1, 1, 2]);
        assert.ok((await app.audit.verify()).ok);
      } finally {
        await cleanup();
      }
    });
  });
}
