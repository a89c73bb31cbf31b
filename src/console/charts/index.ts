/**
 * Charts for the console pages: data in, an accessible SVG figure out (title, summary, legend and
 * the numbers in a table), drawn on the server under the pages' CSP. Pure functions: the routes read
 * the data through the domain doors and hand it over with the reader's translator and formatter.
 */
export { type AlertCount, alertsPerDayChart } from './alerts-per-day.js';
export { type ScoreReading, scoreHistoryChart } from './score-history.js';
export { type SendingHour, type SendingLimit, sendingChart, sendingLimitOf } from './sending.js';
export { type CountryCount, signInsByCountryChart } from './sign-ins.js';
