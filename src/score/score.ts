import type { Actor, AuditLog } from '../audit/index.js';
import type { Clock } from '../runtime/clock.js';
import type { Store } from '../store/index.js';
import { chainStatus } from './chain-status.js';
import { DAY_MS } from './control-definition.js';
import {
  type ControlOverride,
  readOverrides,
  type SettableStatus,
  settableStatuses,
  writeOverride,
} from './control-statuses.js';
import { controlDefinitions } from './controls.js';
import { type ScoredControl, type ScoreReport, scoreControl, summarise } from './evaluate.js';
import { Facts } from './facts.js';
import { type ScoreFailure, scoreFailure } from './score.outcomes.js';
import type { ScoreInputs } from './score-inputs.js';
import {
  hasDailySnapshot,
  insertSnapshot,
  listSnapshots,
  type ScoreSnapshot,
  type SnapshotTrigger,
  snapshotRow,
  toSnapshot,
  utcDay,
} from './snapshots.js';

export interface ScoreDeps {
  store: Store;
  audit: AuditLog;
  clock: Clock;
  inputs: ScoreInputs;
}

export const MAX_HISTORY_DAYS = 3650;

/**
 * Secure Score (PRODUCT.md): every control measured over the org's settings and DNS, the admin's
 * statuses applied, the total, and the daily history.
 */
export function createScore(deps: ScoreDeps) {
  const db = deps.store.db;

  /** The inputs of one evaluation: the audit chain from the walk of the last day, or a fresh walk. */
  function inputsAt(nowMs: number, freshChain: boolean): ScoreInputs {
    return {
      ...deps.inputs,
      audit: {
        ...deps.inputs.audit,
        verifyChain: () => chainStatus({ store: deps.store, inputs: deps.inputs, nowMs }, freshChain),
      },
    };
  }

  async function report(options: { freshChain?: boolean } = {}): Promise<ScoreReport> {
    const nowMs = deps.clock.nowMs();
    const facts = new Facts(inputsAt(nowMs, options.freshChain ?? false), nowMs);
    const overrides = await readOverrides(db);
    const controls = await Promise.all(
      controlDefinitions.map((definition) =>
        scoreControl(definition, facts, overrides.get(definition.id) ?? null),
      ),
    );
    return summarise(nowMs, controls);
  }

  async function snapshot(trigger: SnapshotTrigger): Promise<ScoreSnapshot | null> {
    const nowMs = deps.clock.nowMs();
    const row = snapshotRow(await report({ freshChain: true }), trigger, nowMs);
    return (await insertSnapshot(db, row)) ? toSnapshot(row, true) : null;
  }

  return {
    /** Every control now; `freshChain` walks the audit chain even if it was walked within the day. */
    report,

    /** One control, measured with only the inputs it reads. */
    async control(id: string): Promise<{ ok: true; control: ScoredControl } | ScoreFailure> {
      const definition = controlDefinitions.find((control) => control.id === id);
      if (!definition) return scoreFailure('control-not-found', `no control ${id}`);
      const nowMs = deps.clock.nowMs();
      const facts = new Facts(inputsAt(nowMs, false), nowMs);
      const overrides = await readOverrides(db);
      return { ok: true, control: await scoreControl(definition, facts, overrides.get(id) ?? null) };
    },

    /** Risk accepted, third party, alternate mitigation (or measured again), with a reason; audited. */
    async setStatus(
      id: string,
      input: { status: string; reason: string },
      actor: Actor,
    ): Promise<{ ok: true; controlId: string; override: ControlOverride | null } | ScoreFailure> {
      if (!controlDefinitions.some((control) => control.id === id))
        return scoreFailure('control-not-found', `no control ${id}`);
      if (!settableStatuses.includes(input.status as SettableStatus))
        return scoreFailure('invalid-status', `status must be one of ${settableStatuses.join(', ')}`);
      const reason = input.reason.trim();
      if (reason.length < 3)
        return scoreFailure('invalid-reason', 'a status needs a written reason of at least 3 characters');
      if (reason.length > 1000)
        return scoreFailure('invalid-reason', 'the reason is longer than 1000 characters');
      const override = await writeOverride(
        { store: deps.store, audit: deps.audit, nowMs: deps.clock.nowMs() },
        id,
        input.status as SettableStatus,
        reason,
        actor,
      );
      return { ok: true, controlId: id, override };
    },

    /** A snapshot now (on demand); kept in the history beside the daily ones. */
    async takeSnapshot(): Promise<ScoreSnapshot> {
      const taken = await snapshot('on-demand');
      if (!taken) throw new Error('on-demand snapshot was not stored');
      return taken;
    },

    /**
     * The server calls this periodically: takes today's (UTC) snapshot unless one exists. Instances
     * sharing a database race safely: the day is unique, the loser's snapshot is dropped.
     */
    async takeDailySnapshotIfDue(): Promise<ScoreSnapshot | null> {
      if (await hasDailySnapshot(db, utcDay(deps.clock.nowMs()))) return null;
      return snapshot('daily');
    },

    /** Snapshots of the last `days` days, oldest first. */
    history(options: { days?: number } = {}): Promise<ScoreSnapshot[]> {
      const days = Math.min(Math.max(1, Math.floor(options.days ?? 90)), MAX_HISTORY_DAYS);
      return listSnapshots(db, deps.clock.nowMs() - days * DAY_MS);
    },
  };
}

export type Score = ReturnType<typeof createScore>;
