import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  alertsPerDayChart,
  scoreHistoryChart,
  sendingChart,
  sendingLimitOf,
  signInsByCountryChart,
} from '../../src/console/charts/index.js';
import { valueScale } from '../../src/console/charts/svg.js';
import { lastDays } from '../../src/console/charts/zone.js';
import { html } from '../../src/console/html.js';
import { layout } from '../../src/console/layout.js';
import { formatter, translator } from '../../src/i18n/index.js';

const t = translator('en');
const fmt = formatter('en', 'UTC');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-12-07T18:20:00Z');

const count = (markup: string, pattern: RegExp) => (markup.match(pattern) ?? []).length;
const svgOf = (markup: string) => markup.match(/<svg class="chart-drawing"[\s\S]*?<\/svg>/)?.[0] ?? '';

/** What every chart keeps to: nothing the CSP would block, an image with a name and a description. */
function assertWellBehaved(markup: string): void {
  assert.doesNotMatch(markup, /\sstyle=/, 'no style attribute (style-src has no unsafe-inline)');
  assert.doesNotMatch(markup, /<script|<[^>]*\son[a-z]+=/i, 'no script, no event handler');
  const svg = svgOf(markup);
  if (svg) {
    assert.match(svg, /role="img"/);
    assert.match(svg, /aria-labelledby="[\w-]+-title"/);
    assert.match(svg, /<title>[^<]+<\/title><desc>[^<]+<\/desc>/);
    assert.match(svg, /viewBox="0 0 480 \d+(\.\d)?" width="100%"/);
  }
}

describe('chart scales', () => {
  test('the value axis ends on a round number at or above the largest value, in at most five steps', () => {
    for (const [max, top, step] of [
      [0, 1, 1],
      [1, 1, 1],
      [3, 3, 1],
      [7, 8, 2],
      [48, 50, 10],
      [101, 150, 50],
      [9_999, 10_000, 2_000],
    ] as const) {
      assert.deepEqual(valueScale(max), { top, step }, `scale for ${max}`);
      assert.ok(top / step <= 6);
    }
  });

  test('the last days are consecutive calendar days, also across a daylight-saving change', () => {
    const amsterdam = formatter('nl', 'Europe/Amsterdam');
    const days = lastDays(amsterdam, Date.parse('2026-03-30T00:30:00Z'), 4);
    assert.deepEqual(days, ['2026-03-27', '2026-03-28', '2026-03-29', '2026-03-30']);
  });
});

describe('Secure Score over time', () => {
  test('without readings it says so, and draws nothing', () => {
    const markup = scoreHistoryChart([], t, fmt).text;
    assert.match(markup, /No history yet/);
    assert.equal(svgOf(markup), '');
    assertWellBehaved(markup);
  });

  test('one reading is one point, no line', () => {
    const markup = scoreHistoryChart([{ atMs: NOW, score: 42, maxScore: 84 }], t, fmt).text;
    assert.equal(count(svgOf(markup), /<circle /g), 1);
    assert.equal(count(svgOf(markup), /<polyline /g), 0);
    assert.match(markup, /One reading: 50% on 7 Dec 2026/);
    assertWellBehaved(markup);
  });

  test('one point per day, the day’s last reading, oldest to newest, as a share of the points', () => {
    const markup = scoreHistoryChart(
      [
        { atMs: NOW - 2 * DAY, score: 20, maxScore: 100 },
        { atMs: NOW - DAY - HOUR, score: 30, maxScore: 100 },
        { atMs: NOW - DAY, score: 40, maxScore: 100 },
        { atMs: NOW, score: 60, maxScore: 80 },
      ],
      t,
      fmt,
    ).text;
    const svg = svgOf(markup);
    assert.equal(count(svg, /<circle /g), 3);
    const points = svg.match(/<polyline class="line" points="([^"]+)"/)?.[1]?.split(' ') ?? [];
    assert.equal(points.length, 3);
    const ys = points.map((point) => Number(point.split(',')[1]));
    assert.ok(ys[0]! > ys[1]! && ys[1]! > ys[2]!, `rising line (smaller y is higher): ${ys}`);
    assert.match(markup, /From 20% on 5 Dec 2026 to 75% on 7 Dec 2026; lowest 20%, highest 75%/);
    // The table has the day's last reading (40), not the earlier one of that day (30).
    assert.match(markup, /<th scope="row">6 Dec 2026<\/th><td class="number">40<\/td>/);
    assert.doesNotMatch(markup, />30</);
    assertWellBehaved(markup);
  });
});

describe('sending per hour against the limit', () => {
  const limit = { counts: 'external', perHour: 3 } as const;
  const hour = (hoursAgo: number, external: number, internal = 0) => ({
    hourStartMs: Math.floor(NOW / HOUR) * HOUR - hoursAgo * HOUR,
    messages: 1,
    internalRecipients: internal,
    externalRecipients: external,
  });

  test('nothing sent: it says so, with the limit, and draws nothing', () => {
    const markup = sendingChart({ hours: [], nowMs: NOW, limit }, t, fmt).text;
    assert.match(markup, /Nothing sent in the last 48 hours\. The limit is 3 per hour/);
    assert.equal(svgOf(markup), '');
    assertWellBehaved(markup);
  });

  test('a spike over the limit stands above the limit line, in the warning colour, and the summary counts it', () => {
    const markup = sendingChart(
      { hours: [hour(30, 1), hour(5, 2), hour(1, 9, 4)], nowMs: NOW, limit },
      t,
      fmt,
    ).text;
    const svg = svgOf(markup);
    assert.equal(count(svg, /<rect class="bar series-sent/g), 3, 'one bar per hour with sends');
    const over = svg.match(/<rect class="bar series-sent over" x="[\d.]+" y="([\d.]+)"/g) ?? [];
    assert.equal(over.length, 1, 'only the spike reached the limit');
    const spikeTop = Number(over[0]!.match(/y="([\d.]+)"/)![1]);
    const limitY = Number(svg.match(/<line class="limit" x1="\d+" x2="\d+" y1="([\d.]+)"/)![1]);
    assert.ok(spikeTop < limitY, `the spike (${spikeTop}) rises above the line (${limitY})`);
    assert.match(svg, /limit 3 per hour/);
    assert.match(
      markup,
      /Recipients outside the organization: 12 in 48 hours, at most 9 in one hour \(7 Dec 2026, 17:00\)\. The limit is 3 per hour \(any 60 minutes\)\. 1 hour reached the limit\./,
    );
    // The bars are the counted recipients (external); the table has every kind.
    assert.match(
      markup,
      /<th scope="row">7 Dec 2026, 17:00<\/th><td class="number">1<\/td><td class="number">4<\/td><td class="number">9<\/td>/,
    );
    assertWellBehaved(markup);
  });

  test('48 hours are 48 places on the axis, hours older than the window are left out', () => {
    const markup = sendingChart({ hours: [hour(47, 1), hour(48, 5)], nowMs: NOW, limit }, t, fmt).text;
    const svg = svgOf(markup);
    assert.equal(count(svg, /<rect /g), 1);
    // Labels every six local hours: 8 of them in 48 hours.
    assert.equal(count(svg, /<text class="axis" x="[\d.]+" y="204"/g), 8);
  });

  test('the limit follows the restriction: internal recipients per hour, or the daily limit without a line', () => {
    const settings = { externalPerHour: 10, internalPerHour: 20, perDay: 100 };
    assert.deepEqual(sendingLimitOf(undefined, settings), { counts: 'external', perHour: 10 });
    assert.deepEqual(
      sendingLimitOf(
        { reason: 'hourly-internal-limit', evidence: { counts: { used: 5, limit: 5 } } },
        settings,
      ),
      { counts: 'internal', perHour: 5 },
    );
    const daily = sendingLimitOf(
      { reason: 'daily-limit', evidence: { counts: { used: 100, limit: 100 } } },
      settings,
    );
    assert.deepEqual(daily, { counts: 'all', perDay: 100 });
    const markup = sendingChart({ hours: [hour(2, 3, 4)], nowMs: NOW, limit: daily }, t, fmt).text;
    assert.doesNotMatch(markup, /class="limit"/);
    assert.match(markup, /Recipients: 7 in 48 hours.*The limit is 100 recipients per 24 hours\./);
  });
});

describe('sign-ins by country', () => {
  test('no sign-ins: it says so and draws nothing', () => {
    const markup = signInsByCountryChart({ counts: [], days: 30 }, t, fmt).text;
    assert.match(markup, /No sign-ins in the last 30 days/);
    assert.equal(svgOf(markup), '');
  });

  test('countries by name, successes and failures stacked, most first; unknown places named as such', () => {
    const markup = signInsByCountryChart(
      {
        counts: [
          { country: 'NL', result: 'success', signIns: 12 },
          { country: 'RU', result: 'failure', signIns: 30 },
          { country: 'NL', result: 'failure', signIns: 1 },
          { country: null, result: 'success', signIns: 2 },
        ],
        days: 30,
      },
      t,
      fmt,
    ).text;
    const svg = svgOf(markup);
    const labels = [...svg.matchAll(/<text class="axis" x="118" y="[\d.]+" text-anchor="end">([^<]+)</g)].map(
      (m) => m[1],
    );
    assert.deepEqual(labels, ['Russia', 'Netherlands', 'Unknown country']);
    assert.equal(count(svg, /class="bar series-failure"/g), 2);
    assert.equal(count(svg, /class="bar series-success"/g), 2);
    assert.match(markup, /Succeeded: 14, failed: 31, from 3 countries\. Most from Russia \(30\)\./);
    assertWellBehaved(markup);
  });

  test('a hostile label is text, never markup', () => {
    const hostile = '<img src=x onerror=alert(1)>"&\'';
    const markup = signInsByCountryChart(
      { counts: [{ country: hostile, result: 'failure', signIns: 1 }], days: 30 },
      t,
      fmt,
    ).text;
    assert.doesNotMatch(markup, /<img/);
    assert.match(markup, /&lt;img src=x onerror=alert\(1\)&gt;&quot;&amp;&#39;/);
    assertWellBehaved(markup);
  });

  test('many countries: the drawing keeps the most and one row for the rest; the table lists every one', () => {
    const codes = [
      'NL',
      'BE',
      'DE',
      'FR',
      'GB',
      'US',
      'JP',
      'AU',
      'BR',
      'CA',
      'ES',
      'IT',
      'SE',
      'NO',
      'PL',
      'RU',
      'CN',
      'IN',
      'ZA',
      'MX',
    ];
    const markup = signInsByCountryChart(
      {
        counts: codes.map((country, index) => ({
          country,
          result: 'success' as const,
          signIns: 100 - index,
        })),
        days: 30,
      },
      t,
      fmt,
    ).text;
    const svg = svgOf(markup);
    assert.equal(count(svg, /<text class="value"/g), 8, 'eight rows drawn');
    assert.match(svg, /Other countries \(13\)/);
    assert.equal(count(markup, /<tr><th scope="row">/g), 20, 'twenty rows in the table');
    const height = Number(svg.match(/viewBox="0 0 480 ([\d.]+)"/)![1]);
    assert.ok(height < 250, `the drawing stays short (${height})`);
  });

  test('in Dutch: country names and the words', () => {
    const markup = signInsByCountryChart(
      { counts: [{ country: 'NL', result: 'success', signIns: 1 }], days: 30 },
      translator('nl'),
      formatter('nl', 'Europe/Amsterdam'),
    ).text;
    assert.match(markup, /Aanmeldingen per land, afgelopen 30 dagen/);
    assert.match(markup, /Geslaagd: 1, mislukt: 0, vanuit 1 land\. De meeste vanuit Nederland \(1\)\./);
  });
});

describe('alerts per day', () => {
  test('no alerts: it says so and draws nothing', () => {
    const markup = alertsPerDayChart({ counts: [], nowMs: NOW, days: 30 }, t, fmt).text;
    assert.match(markup, /No alerts in the last 30 days/);
    assert.equal(svgOf(markup), '');
  });

  test('days of the organization’s time zone, severities stacked, today last', () => {
    const amsterdam = formatter('en', 'Europe/Amsterdam');
    const markup = alertsPerDayChart(
      {
        counts: [
          // 23:30 UTC on 6 Dec is 00:30 on 7 Dec in Amsterdam.
          { slotStartMs: Date.parse('2026-12-06T23:30:00Z'), severity: 'high', alerts: 2 },
          { slotStartMs: Date.parse('2026-12-07T10:00:00Z'), severity: 'medium', alerts: 1 },
          { slotStartMs: Date.parse('2026-12-01T10:00:00Z'), severity: 'low', alerts: 1 },
        ],
        nowMs: NOW,
        days: 30,
      },
      t,
      amsterdam,
    ).text;
    const svg = svgOf(markup);
    assert.equal(count(svg, /<rect /g), 3);
    assert.match(markup, /4 in all; the most on 7 Dec 2026 \(3\)\./);
    assert.match(
      markup,
      /<th scope="row">7 Dec 2026<\/th><td class="number">2<\/td><td class="number">1<\/td><td class="number">0<\/td><td class="number">3<\/td>/,
    );
    assert.doesNotMatch(markup, /Informational/, 'a severity that never occurred is not in the legend');
    assertWellBehaved(markup);
  });
});

describe('the navigation marks the page it is on', () => {
  const page = (current: string | undefined, area?: 'admin') =>
    layout(
      {
        title: 'x',
        csrfToken: 't',
        signedIn: true,
        ...(area ? { area } : {}),
        ...(current ? { current } : {}),
      },
      html``,
    );
  const marked = (markup: string) =>
    [...markup.matchAll(/<a href="([^"]+)" aria-current="(\w+)"/g)].map((m) => `${m[1]} ${m[2]}`);

  test('its own link is the page; a page below a link marks that link', () => {
    assert.deepEqual(marked(page('/account/sign-ins')), ['/account/sign-ins page']);
    assert.deepEqual(marked(page('/admin', 'admin')), ['/admin page']);
    assert.deepEqual(marked(page('/admin/users/a%40b.example', 'admin')), ['/admin/users true']);
    assert.deepEqual(marked(page('/admin/score/', 'admin')), ['/admin/score page']);
  });

  test('a page that does not say where it is marks nothing', () => {
    assert.deepEqual(marked(page(undefined)), []);
    assert.deepEqual(marked(page('/elsewhere', 'admin')), []);
  });
});
