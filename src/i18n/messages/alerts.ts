import { defineMessages } from './define.js';

/** The alerts area's messages (keys start with `alerts.`). */
export const alerts = defineMessages({}, {});
