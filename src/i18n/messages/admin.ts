import { defineMessages } from './define.js';

/** The admin area's messages (keys start with `admin.`). */
export const admin = defineMessages({}, {});
