"""claims: on PostgreSQL, taking a slot is one round trip (a PL/pgSQL function); on SQLite nothing changes

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-24 19:40:00.000000

``coord.services.work.slots.take_slot`` calls ``coord_take_slot`` on PostgreSQL and runs the same steps as
separate statements on SQLite; the lifecycle tests run on both databases, so both paths answer the same
cases. The rules that decide whether a person may claim (task over, skills, health declaration) stay in
Python (``claim_rules.check_claimable``); this function does only the slot mechanics of DESIGN.md invariant 4.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Outcome: 'taken' (with the new slot's id and the task's new filled, status and escalation token),
# 'already' (the person holds a slot of the task) or 'full' (no free slot, or the task is not claimable).
TAKE_SLOT = """
CREATE OR REPLACE FUNCTION coord_take_slot(
    p_task_id integer,
    p_person_id integer,
    p_assigned_by integer,
    p_at timestamptz,
    p_actor_id integer,
    p_channel varchar,
    p_action varchar,
    OUT outcome text,
    OUT slot_id integer,
    OUT slots_filled integer,
    OUT task_status varchar,
    OUT token integer
) LANGUAGE plpgsql AS $$
DECLARE
    target record;
BEGIN
    -- Claimers of one task queue on its row here. Each statement after this sees every slot taken
    -- before the lock was granted (in READ COMMITTED each statement of a function takes a new snapshot).
    SELECT t.community_id, t.filled, t.capacity, t.status INTO target
    FROM task AS t WHERE t.id = p_task_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        outcome := 'full';
        RETURN;
    END IF;
    IF EXISTS (
        SELECT 1 FROM assignment AS a
        WHERE a.task_id = p_task_id AND a.person_id = p_person_id
          AND a.state IN ('claimed', 'checked_in', 'done')
    ) THEN
        outcome := 'already';
        RETURN;
    END IF;
    IF target.status NOT IN ('open', 'in_progress') OR target.filled >= target.capacity THEN
        outcome := 'full';
        RETURN;
    END IF;
    -- A reassignment to this person, committed since, is the only way the holder index can refuse now.
    INSERT INTO assignment (task_id, person_id, state, assigned_by_id, claimed_at, figures, note)
    VALUES (p_task_id, p_person_id, 'claimed', p_assigned_by, p_at, '{}', '')
    ON CONFLICT DO NOTHING
    RETURNING id INTO slot_id;
    IF slot_id IS NULL THEN
        outcome := 'already';
        RETURN;
    END IF;
    -- The claim pauses any escalation under way: its next step finds a stale token (invariant 3).
    UPDATE task AS t
    SET filled = t.filled + 1,
        status = CASE WHEN t.filled + 1 >= t.capacity AND t.status = 'open' THEN 'full' ELSE t.status END,
        escalation_due_at = NULL,
        escalation_token = t.escalation_token + 1
    WHERE t.id = p_task_id
    RETURNING t.filled, t.status, t.escalation_token INTO slots_filled, task_status, token;
    INSERT INTO event (community_id, at, actor_id, channel, action, task_id, assignment_id, subject_id, data)
    VALUES (
        target.community_id, p_at, p_actor_id, p_channel, p_action, p_task_id, slot_id, p_person_id, '{}'
    );
    outcome := 'taken';
END;
$$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(TAKE_SLOT)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        arguments = "integer, integer, integer, timestamptz, integer, varchar, varchar"
        op.execute(f"DROP FUNCTION IF EXISTS coord_take_slot({arguments})")
