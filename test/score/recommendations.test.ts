import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cliCommands } from '../../src/cli/main.js';
import { consoleRoutes } from '../../src/console/index.js';
import { controlDefinitions } from '../../src/score/index.js';
import { orgSettingFields } from '../../src/settings/index.js';
import { createTestApp } from '../support/test-app.js';

/**
 * Every `npx mailwarden …` in a control's fix, as words up to the first placeholder, comment or
 * alternative: what an admin would copy.
 */
function mailwardenCommands(text: string): string[][] {
  return [...text.matchAll(/npx mailwarden ([^;#()]*)/g)].map((match) =>
    (match[1] ?? '')
      .trim()
      .split(/\s+/)
      .filter((word) => word !== ''),
  );
}

describe('Secure Score recommendations', () => {
  test('every fix names a CLI command that exists, with flags that command takes', () => {
    let checked = 0;
    for (const control of controlDefinitions) {
      for (const words of mailwardenCommands(control.fix.cli)) {
        const command = cliCommands.find((candidate) =>
          candidate.path.every((part, index) => words[index] === part),
        );
        assert.ok(command, `${control.id}: "mailwarden ${words.join(' ')}" is not a command`);
        for (const word of words.slice(command.path.length))
          if (word.startsWith('--')) {
            const flag = word.slice(2).split('=')[0] ?? '';
            assert.ok(
              Object.hasOwn(command.flags, flag),
              `${control.id}: mailwarden ${command.path.join(' ')} has no --${flag}`,
            );
          }
        if (command.path.join(' ') === 'org set')
          assert.ok(
            Object.hasOwn(orgSettingFields, words[2] ?? ''),
            `${control.id}: ${words[2]} is not an org setting`,
          );
        checked++;
      }
    }
    assert.ok(checked >= 20, `only ${checked} commands found in the recommendations`);
  });

  test('every console link of a fix is a page the admin console serves', async () => {
    const testApp = await createTestApp();
    try {
      const pages = new Set(
        consoleRoutes(testApp.app)
          .routes.filter((route) => route.method === 'GET')
          .map((route) => route.path),
      );
      const links = controlDefinitions.flatMap((control) =>
        control.fix.console ? [control.fix.console] : [],
      );
      assert.ok(links.length >= 2);
      for (const link of links) assert.ok(pages.has(link), `${link} is not a console page`);
    } finally {
      await testApp.cleanup();
    }
  });
});
