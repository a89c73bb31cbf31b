import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addUser, cliActor, createTestApp, type TestApp } from '../support/test-app.js';

/**
 * The admin users list shows each listed user's MFA state from one read of a page of addresses
 * (identity.mfaStates), not one lookup per user; it must say what `user mfa show` says.
 */
describe('MFA states of a page of users, read at once', () => {
  let testApp: TestApp;
  before(async () => {
    testApp = await createTestApp('sqlite');
    await addUser(testApp.app, 'ann@example.org');
    await addUser(testApp.app, 'ben@example.org');
  });
  after(() => testApp.cleanup());

  it('gives each address the state `user mfa show` gives, and leaves out addresses of nobody', async () => {
    const { identity } = testApp.app;
    assert.ok((await identity.mfa.enforce('ben@example.org', cliActor)).ok);
    const states = await identity.mfaStates(['ann@example.org', 'ben@example.org', 'nobody@example.org']);
    assert.deepEqual(Object.fromEntries(states), {
      'ann@example.org': 'disabled',
      'ben@example.org': 'enforced',
    });
    for (const address of ['ann@example.org', 'ben@example.org']) {
      const shown = await identity.mfa.show(address);
      assert.ok(shown.ok);
      assert.equal(states.get(address), shown.mfa.state, address);
    }
  });

  it('reads nothing for an empty page', async () => {
    assert.equal((await testApp.app.identity.mfaStates([])).size, 0);
  });
});
