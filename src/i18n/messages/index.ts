import { account } from './account.js';
import { admin } from './admin.js';
import { alerts } from './alerts.js';
import { charts } from './charts.js';
import { common } from './common.js';
import { dnscheck } from './dnscheck.js';
import { problems } from './problems.js';
import { refusals } from './refusals.js';
import { respond } from './respond.js';
import { score } from './score.js';

/**
 * Every catalogue, one object per language. Each area lives in its own file so that pages can be
 * translated side by side; keys are prefixed by area, so the spread below never overwrites one.
 */
export const catalogues = {
  en: {
    ...common.en,
    ...account.en,
    ...admin.en,
    ...alerts.en,
    ...charts.en,
    ...score.en,
    ...dnscheck.en,
    ...respond.en,
    ...refusals.en,
    ...problems.en,
  },
  nl: {
    ...common.nl,
    ...account.nl,
    ...admin.nl,
    ...alerts.nl,
    ...charts.nl,
    ...score.nl,
    ...dnscheck.nl,
    ...respond.nl,
    ...refusals.nl,
    ...problems.nl,
  },
};

export type MessageKey = keyof typeof catalogues.en;
