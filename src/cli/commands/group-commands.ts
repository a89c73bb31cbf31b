import { type CliCommand, cliActor } from '../cli-context.js';
import { withApp } from '../open-app.js';
import { writeJson, writeLine, writeTable } from '../output.js';
import { reportFailure } from '../report-failure.js';

export const groupCommands: CliCommand[] = [
  {
    path: ['group', 'add'],
    args: ['<name>'],
    summary: 'Create a group (sending policies can be scoped to groups).',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.directory.addGroup(context.args[0]!, cliActor(context.io));
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json) writeJson(context.io.stdout, outcome.group);
        else writeLine(context.io.stdout, `added group ${outcome.group.name}`);
        return 0;
      }),
  },
  {
    path: ['group', 'member', 'add'],
    args: ['<group>', '<user>'],
    summary: 'Add a user to a group.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.directory.addGroupMember(
          context.args[0]!,
          context.args[1]!,
          cliActor(context.io),
        );
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json) writeJson(context.io.stdout, outcome.group);
        else writeLine(context.io.stdout, `group ${outcome.group.name}: ${outcome.group.members.join(', ')}`);
        return 0;
      }),
  },
  {
    path: ['group', 'list'],
    args: [],
    summary: 'List groups and their members.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const groups = await app.directory.listGroups();
        if (context.json) writeJson(context.io.stdout, groups);
        else
          writeTable(
            context.io.stdout,
            ['GROUP', 'MEMBERS'],
            groups.map((g) => [g.name, g.members.join(', ')]),
          );
        return 0;
      }),
  },
  {
    path: ['group', 'member', 'remove'],
    args: ['<group>', '<user>'],
    summary: 'Remove a user from a group.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.directory.removeGroupMember(
          context.args[0]!,
          context.args[1]!,
          cliActor(context.io),
        );
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json) writeJson(context.io.stdout, outcome.group);
        else
          writeLine(
            context.io.stdout,
            `group ${outcome.group.name}: ${outcome.group.members.join(', ') || '(no members)'}`,
          );
        return 0;
      }),
  },
  {
    path: ['group', 'delete'],
    args: ['<group>'],
    summary: 'Delete a group; refused while a sending policy is scoped to it.',
    flags: {},
    run: (context) =>
      withApp(context.io, context.configFile, async (app) => {
        const outcome = await app.directory.removeGroup(context.args[0]!, cliActor(context.io));
        if (!outcome.ok) return reportFailure(context, outcome);
        if (context.json) writeJson(context.io.stdout, outcome.group);
        else writeLine(context.io.stdout, `deleted group ${outcome.group.name}`);
        return 0;
      }),
  },
];
