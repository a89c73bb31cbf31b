import { defineMessages } from './define.js';

/** The charts area's messages (keys start with `charts.`). */
export const charts = defineMessages({}, {});
