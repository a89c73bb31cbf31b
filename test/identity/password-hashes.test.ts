import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPasswordHasher } from '../../src/identity/index.js';

/**
 * PHC strings made by the `argon2` package (0.45.1, the reference C implementation), the binding
 * Mailwarden stored its hashes with before it moved to @node-rs/argon2. Every one must keep
 * verifying: a stored hash that stops verifying locks its user out.
 */
const STORED = [
  {
    label: 'argon2id, Mailwarden baseline',
    password: 'lantern-orchard-piano',
    hash: '$argon2id$v=19$m=19456,p=1,t=2$SHIRAD5qKUkHjeFc8/GOeA$iFf5byf4eyBakBsaj3pmlZHL3CPiDblJZM79YJrl6dc',
  },
  {
    label: 'argon2id, NFKC-folded Unicode password',
    password: 'ﬁre-pässwörd-①②③',
    hash: '$argon2id$v=19$m=19456,p=1,t=2$KD2SyCrUpYuEH7Yt5BxWIg$f6hVaQCbR6eAEU39Xuj7y7GfHfM0Bk/JsJ+KuWJup0g',
  },
  {
    label: 'argon2id, library defaults (64 MiB, 3 passes, 4 lanes)',
    password: 'quartz-meadow-violin',
    hash: '$argon2id$v=19$m=65536,p=4,t=3$d+DhMqvWBg1+zhUFREoKdg$Hw/5Kv+JkCchLM5Ti4nOI5MEa8ohXz6jW1L0vphgty4',
  },
  {
    label: 'argon2i',
    password: 'copper-kettle-harbor',
    hash: '$argon2i$v=19$m=4096,p=1,t=3$VtaeERRNaj5nN2HfnNEMIQ$lgcv4+5RBqTpcMDtBdD+stH32DdUi/+hTRFhGzmdCXQ',
  },
  {
    label: 'argon2d',
    password: 'silver-falcon-garden',
    hash: '$argon2d$v=19$m=4096,p=1,t=3$IfFp9suxITmA3nX7jiUZEg$lG4fKQ6OfQF9qRoQUz3uNsBUl7R7l5D2qevh8t8Avlc',
  },
  {
    label: 'argon2i, version 0x10',
    password: 'amber-thistle-canyon',
    hash: '$argon2i$v=16$m=4096,p=1,t=3$P5pjb1PpjumrLU4zB1JI9g$SXryHnOclIccUBFNpqy0/BRxa6b883PF15IcgyaM01I',
  },
  {
    label: 'argon2id, 64-byte output, 2 lanes',
    password: 'marble-orchid-summit',
    hash: '$argon2id$v=19$m=8192,p=2,t=2$6vsm/3Qa1lqYM4vQDZmDhQ$6GMikIDiagJfG0dUOecqWsOiZRhnfp+j8DrumCHJju1GgEZmpai0XUdcnsYjwFIVyCboWORqRcBd/nBSVuZpTg',
  },
] as const;

describe('argon2 password hashes', () => {
  const hasher = createPasswordHasher({ bannedListEnabled: async () => false });

  test('every hash stored by the reference argon2 binding verifies with its password', async () => {
    for (const stored of STORED)
      assert.equal(await hasher.verify(stored.hash, stored.password), true, stored.label);
  });

  test('a stored hash refuses any other password, including one a character off', async () => {
    for (const stored of STORED) {
      assert.equal(await hasher.verify(stored.hash, `${stored.password}x`), false, stored.label);
      assert.equal(await hasher.verify(stored.hash, stored.password.slice(1)), false, stored.label);
    }
  });

  test('a malformed or truncated stored hash verifies nothing and throws nothing', async () => {
    const good = STORED[0].hash;
    for (const broken of [
      '',
      'nonsense',
      good.slice(0, good.lastIndexOf('$')),
      `${good}$extra`,
      good.replace('$argon2id$', '$argon3$'),
    ])
      assert.equal(await hasher.verify(broken, STORED[0].password), false, JSON.stringify(broken));
  });

  test('a new hash is argon2id at the baseline cost, salted, and verifies only its password', async () => {
    const first = await hasher.hash('lantern-orchard-piano');
    const second = await hasher.hash('lantern-orchard-piano');
    assert.match(first, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.notEqual(first, second, 'two hashes of one password differ by their salt');
    assert.equal(await hasher.verify(first, 'lantern-orchard-piano'), true);
    assert.equal(await hasher.verify(first, 'lantern-orchard-pian0'), false);
  });

  test('a password is compared in NFKC form, so its composed and decomposed spellings both sign in', async () => {
    const hash = await hasher.hash('pa\u0308sswo\u0308rd-ﬁre-orchard');
    assert.equal(await hasher.verify(hash, 'pässwörd-fire-orchard'), true);
  });
});
