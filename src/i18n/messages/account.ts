import { defineMessages } from './define.js';

/** The account area's messages (keys start with `account.`). */
export const account = defineMessages({}, {});
