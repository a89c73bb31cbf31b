import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMetrics, type Metrics, type MetricsSiblings } from '../../src/metrics/index.js';

/**
 * The database gauges are the cluster's (the same rows whoever reads them): one scrape reads each
 * once, in the worker that answers, whatever the number of workers. Two createMetrics() joined the
 * way the supervisor joins two workers (collect asks the other for its registry as JSON).
 */
function joinedPair(): { first: Metrics; second: Metrics } {
  const providers: Array<() => Promise<unknown>> = [];
  const siblingsOf = (index: number): MetricsSiblings => ({
    collect: async () => Promise.all(providers.filter((_, other) => other !== index).map((give) => give())),
    provide(provider) {
      providers[index] = provider;
    },
  });
  return {
    first: createMetrics({ processMetrics: false, siblings: siblingsOf(0) }),
    second: createMetrics({ processMetrics: false, siblings: siblingsOf(1) }),
  };
}

function countedReadings(restricted: () => number) {
  const calls = { restricted: 0, alerts: 0, backlog: 0 };
  return {
    calls,
    readings: {
      restrictedSenders: async () => {
        calls.restricted += 1;
        return restricted();
      },
      openAlerts: async () => {
        calls.alerts += 1;
        return { high: 2 };
      },
      notificationBacklog: async () => {
        calls.backlog += 1;
        return { email: 1 };
      },
    },
  };
}

const lines = (text: string, series: string) =>
  text.split('\n').filter((line) => line.startsWith(`${series} `));

test('with two workers a scrape reads each database gauge once, in the answering worker, and shows it once with its value', async () => {
  const { first, second } = joinedPair();
  const onFirst = countedReadings(() => 3);
  const onSecond = countedReadings(() => 3);
  first.read(onFirst.readings);
  second.read(onSecond.readings);
  first.message('spooled');
  second.message('spooled');

  const text = await first.source.text();
  assert.deepEqual(lines(text, 'mailwarden_restricted_senders'), ['mailwarden_restricted_senders 3']);
  assert.deepEqual(lines(text, 'mailwarden_alerts_open{severity="high"}'), [
    'mailwarden_alerts_open{severity="high"} 2',
  ]);
  assert.deepEqual(lines(text, 'mailwarden_notification_backlog{channel="email"}'), [
    'mailwarden_notification_backlog{channel="email"} 1',
  ]);
  // The event counters are both workers' together.
  assert.deepEqual(lines(text, 'mailwarden_messages_total{outcome="spooled"}'), [
    'mailwarden_messages_total{outcome="spooled"} 2',
  ]);
  assert.deepEqual(onFirst.calls, { restricted: 1, alerts: 1, backlog: 1 });
  assert.deepEqual(onSecond.calls, { restricted: 0, alerts: 0, backlog: 0 });

  await second.source.text();
  assert.deepEqual(onFirst.calls, { restricted: 1, alerts: 1, backlog: 1 }, 'the sibling read nothing');
  assert.deepEqual(onSecond.calls, { restricted: 1, alerts: 1, backlog: 1 });
});

test('a database reading that fails in the answering worker is absent from that scrape and counted in the errors of the whole service', async () => {
  const { first, second } = joinedPair();
  let failing = true;
  const read = () => {
    if (failing) throw new Error('database gone');
    return 4;
  };
  first.read(countedReadings(read).readings);
  second.read(countedReadings(read).readings);

  const failed = await first.source.text();
  assert.deepEqual(lines(failed, 'mailwarden_restricted_senders'), []);
  assert.deepEqual(lines(failed, 'mailwarden_scrape_errors_total{reading="restricted_senders"}'), [
    'mailwarden_scrape_errors_total{reading="restricted_senders"} 1',
  ]);
  // The other worker answers the next scrape: the errors counter is the sum, it does not go back.
  failing = false;
  const next = await second.source.text();
  assert.deepEqual(lines(next, 'mailwarden_restricted_senders'), ['mailwarden_restricted_senders 4']);
  assert.deepEqual(lines(next, 'mailwarden_scrape_errors_total{reading="restricted_senders"}'), [
    'mailwarden_scrape_errors_total{reading="restricted_senders"} 1',
  ]);
});

test('a single process reads each database gauge once a scrape', async () => {
  const metrics = createMetrics({ processMetrics: false });
  const counted = countedReadings(() => 0);
  metrics.read(counted.readings);
  const text = await metrics.source.text();
  assert.deepEqual(lines(text, 'mailwarden_restricted_senders'), ['mailwarden_restricted_senders 0']);
  assert.deepEqual(counted.calls, { restricted: 1, alerts: 1, backlog: 1 });
});
