"""Tamper-evident trail: audit_log and progress_events become hash chains.

Each row stores its place in its table's chain (chain_seq), the hash of the
previous row (prev_hash) and the SHA-256 of its own content plus prev_hash
(row_hash). A BEFORE INSERT trigger computes them, so a writer cannot forget;
it locks the chain's head row (FOR UPDATE), so concurrent writers of one table
queue there for the rest of their transaction and the chain never forks.
The hashed content is an explicit column list, rendered with TimeZone UTC, so
a later column or a session's time zone never changes an old row's hash.

Revision ID: 0013_audit_chain
Revises: 0012_editor_features
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_audit_chain"
down_revision = "0012_editor_features"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
CONTENT = {
    "audit_log": ("id", "recorded_at", "actor", "role", "method", "path", "status", "action",
                  "collection_id", "feature_id", "detail"),
    "progress_events": ("id", "collection_id", "feature_id", "recorded_at", "actor", "action",
                        "old_values", "new_values", "reason", "unconditional", "version"),
}


def _content_functions(table: str, columns: tuple[str, ...]) -> list[str]:
    pairs = ", ".join(f"'{c}', r.{c}" for c in columns)
    return [f"""
        CREATE FUNCTION gis_chain_content_{table}(r {table}) RETURNS text
        LANGUAGE sql STABLE SET TimeZone = 'UTC' AS $$
          SELECT jsonb_build_object({pairs})::text
        $$""", f"""
        CREATE FUNCTION gis_chain_hash_{table}(r {table}) RETURNS text LANGUAGE sql STABLE AS $$
          SELECT encode(sha256(convert_to(
            r.chain_seq::text || '|' || r.prev_hash || '|' || gis_chain_content_{table}(r), 'UTF8')), 'hex')
        $$"""]


TRIGGER = """
    CREATE FUNCTION gis_chain_link() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE head record;
    BEGIN
      SELECT seq, head_hash INTO head FROM audit_chain_heads WHERE chain = TG_TABLE_NAME FOR UPDATE;
      IF NOT FOUND THEN
        RAISE EXCEPTION 'no chain head for %', TG_TABLE_NAME;
      END IF;
      NEW.chain_seq := head.seq + 1;
      NEW.prev_hash := head.head_hash;
      EXECUTE format('SELECT gis_chain_hash_%s($1)', TG_TABLE_NAME) INTO NEW.row_hash USING NEW;
      UPDATE audit_chain_heads SET seq = NEW.chain_seq, head_hash = NEW.row_hash, updated_at = now()
       WHERE chain = TG_TABLE_NAME;
      RETURN NEW;
    END $$"""

BACKFILL = """
    DO $$
    DECLARE r {table}; prev text := '{genesis}'; n bigint := 0; h text;
    BEGIN
      FOR r IN SELECT * FROM {table} ORDER BY id LOOP
        n := n + 1;
        r.chain_seq := n; r.prev_hash := prev;
        h := gis_chain_hash_{table}(r);
        UPDATE {table} SET chain_seq = n, prev_hash = prev, row_hash = h WHERE id = r.id;
        prev := h;
      END LOOP;
      INSERT INTO audit_chain_heads (chain, seq, head_hash) VALUES ('{table}', n, prev);
    END $$"""


def upgrade() -> None:
    op.create_table(
        "audit_chain_heads",
        sa.Column("chain", sa.Text(), primary_key=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("head_hash", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    for table, columns in CONTENT.items():
        op.add_column(table, sa.Column("chain_seq", sa.BigInteger()))
        op.add_column(table, sa.Column("prev_hash", sa.Text()))
        op.add_column(table, sa.Column("row_hash", sa.Text()))
        for statement in _content_functions(table, columns):
            op.execute(statement)
        op.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        op.execute(BACKFILL.format(table=table, genesis=GENESIS))
        op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
        for column in ("chain_seq", "prev_hash", "row_hash"):
            op.alter_column(table, column, nullable=False)
        op.create_index(f"{table}_chain_seq_uq", table, ["chain_seq"], unique=True)
    op.execute(TRIGGER)
    for table in CONTENT:
        op.execute(f"CREATE TRIGGER {table}_chain BEFORE INSERT ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION gis_chain_link()")
    # The head table is evidence too: no deletes, and updates only by the chain trigger's path.
    op.execute("CREATE TRIGGER audit_chain_heads_no_delete BEFORE DELETE ON audit_chain_heads "
               "FOR EACH ROW EXECUTE FUNCTION gis_append_only()")


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_chain_heads_no_delete ON audit_chain_heads")
    for table in CONTENT:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_chain ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS gis_chain_hash_{table}({table})")
        op.execute(f"DROP FUNCTION IF EXISTS gis_chain_content_{table}({table})")
        op.drop_index(f"{table}_chain_seq_uq", table_name=table)
        for column in ("row_hash", "prev_hash", "chain_seq"):
            op.drop_column(table, column)
    op.execute("DROP FUNCTION IF EXISTS gis_chain_link()")
    op.drop_table("audit_chain_heads")
