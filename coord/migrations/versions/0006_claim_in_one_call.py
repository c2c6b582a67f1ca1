"""claims: on PostgreSQL a volunteer's claim is one round trip, the claim rules checked under the task's lock

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 21:30:00.000000

``coord.services.claim_call.claim_in_one_call`` calls ``coord_claim``: it locks the task's row,
checks the rules of ``coord.services.work.rules.check_claimable`` in the same order (the task is another
community's, done or cancelled, over, needs skills the person lacks, or today's health declaration is
missing where the community asks for one), then takes the slot with ``coord_take_slot`` (migration 0005).
It returns a reason code; the messages stay in Python (``claim_rules.claim_refusal``), one copy for both
databases. SQLite runs ``check_claimable`` and the slot steps as separate statements;
``tests/test_claim_rules.py`` runs every rule on both databases, so the two copies answer the same cases.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Outcome: 'taken' (with the slot's id, the task's new filled, status and escalation token), or the
# reason of a refusal: 'unknown', 'closed' (with the task's status), 'over', 'skills' (with the missing
# skills, sorted by code point and joined as Python joins them), 'undeclared', 'already' or 'full'.
# has_private: whether the task carries details only its assignee may read (notices.has_private_details).
CLAIM = """
CREATE OR REPLACE FUNCTION coord_claim(
    p_task_id integer,
    p_person_id integer,
    p_at timestamptz,
    p_channel varchar,
    OUT outcome text,
    OUT slot_id integer,
    OUT slots_filled integer,
    OUT task_status varchar,
    OUT token integer,
    OUT missing text,
    OUT has_private boolean
) LANGUAGE plpgsql AS $$
DECLARE
    target record;
    claimant record;
    rules record;
BEGIN
    -- The task's row is locked first, so the rules read what the slot is taken against.
    SELECT t.community_id, t.status, t.starts_at, t.ends_at, t.due_at, t.skills,
           (t.private_details <> '' OR t.household_id IS NOT NULL) AS private
    INTO target FROM task AS t WHERE t.id = p_task_id FOR NO KEY UPDATE;
    SELECT p.community_id, p.skills INTO claimant FROM person AS p WHERE p.id = p_person_id;
    IF target.community_id IS NULL OR claimant.community_id IS DISTINCT FROM target.community_id THEN
        outcome := 'unknown';
        RETURN;
    END IF;
    task_status := target.status;
    has_private := target.private;
    IF target.status IN ('done', 'cancelled') THEN
        outcome := 'closed';
        RETURN;
    END IF;
    IF (target.ends_at IS NOT NULL AND p_at >= target.ends_at)
       OR (target.due_at IS NOT NULL AND p_at >= target.due_at AND target.starts_at IS NULL) THEN
        outcome := 'over';
        RETURN;
    END IF;
    SELECT string_agg(needed.skill, ', ' ORDER BY needed.skill COLLATE "C") INTO missing
    FROM (SELECT DISTINCT json_array_elements_text(target.skills) AS skill) AS needed
    WHERE needed.skill NOT IN (SELECT json_array_elements_text(claimant.skills));
    IF missing IS NOT NULL THEN
        outcome := 'skills';
        RETURN;
    END IF;
    SELECT c.requires_health_declaration, c.timezone INTO rules
    FROM community AS c WHERE c.id = target.community_id;
    IF rules.requires_health_declaration AND NOT COALESCE((
        SELECT h.healthy FROM health_declaration AS h
        WHERE h.person_id = p_person_id AND h.day = (p_at AT TIME ZONE rules.timezone)::date
    ), false) THEN
        outcome := 'undeclared';
        RETURN;
    END IF;
    SELECT s.outcome, s.slot_id, s.slots_filled, s.task_status, s.token
    INTO outcome, slot_id, slots_filled, task_status, token
    FROM coord_take_slot(p_task_id, p_person_id, NULL, p_at, p_person_id, p_channel, 'claimed') AS s;
    IF outcome <> 'taken' THEN
        task_status := target.status;
    END IF;
END;
$$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CLAIM)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS coord_claim(integer, integer, timestamptz, varchar)")
