package pgfamily

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xcetl/xcetl/dialects"
)

// The per-key version guard of mode cdc (dialects.VersionGuarder), in one
// statement per batch. The stage gets two more columns, the key's hash and
// the change's version; after the COPY,
//
//	WITH adv AS (INSERT INTO versions … SELECT … FROM stage
//	             ON CONFLICT (key_hash) DO UPDATE SET version = EXCLUDED.version …
//	             WHERE versions.version < EXCLUDED.version RETURNING key_hash),
//	     stale AS (DELETE FROM stage WHERE version IS NOT NULL
//	               AND NOT EXISTS (SELECT 1 FROM adv WHERE …) RETURNING 1)
//	SELECT count(*) FROM stale
//
// stores the versions that advance and drops the stale rows from the stage
// before the delete and the upsert apply it, unchanged. ON CONFLICT locks
// the stored row and compares with its latest committed version, so two
// transactions applying one key at once (consumers of one group during a
// rebalance) cannot both win, whatever their snapshots saw. Rows without a
// version are applied and store nothing.

// GuardHashColumn and GuardVersionColumn are the staging table's columns of
// the guard.
const (
	GuardHashColumn    = "xcetl_key_hash"
	GuardVersionColumn = "xcetl_version"
)

// GuardsVersions implements dialects.VersionGuarder: pgx connections to
// servers with ON CONFLICT, where the Config allows it.
func (d *Dialect) GuardsVersions(c dialects.Conn) bool {
	pc, ok := c.(*conn)
	return ok && d.cfg.GuardCDC && pc.v.Upsert == OnConflict
}

func guardSQL(d dialects.Dialect, stage string, g *dialects.VersionGuard) string {
	q := d.Quote
	kh, ver := q(GuardHashColumn), q(GuardVersionColumn)
	var b strings.Builder
	b.WriteString("WITH adv AS (\n  INSERT INTO " + dialects.QualifiedName(d, g.Table) + " AS v (" +
		q(g.KeyHash) + ", " + q(g.Version) + ", " + q(g.Pipeline) + ", " + q(g.UpdatedAt) + ")\n")
	b.WriteString("  SELECT s." + kh + ", s." + ver + ", " + d.Placeholder(1) + ", now() FROM " + stage + " s WHERE s." + ver + " IS NOT NULL\n")
	b.WriteString("  ON CONFLICT (" + q(g.KeyHash) + ") DO UPDATE SET " + q(g.Version) + " = EXCLUDED." + q(g.Version) + ", " + q(g.UpdatedAt) + " = EXCLUDED." + q(g.UpdatedAt) + "\n")
	b.WriteString("  WHERE v." + q(g.Version) + " < EXCLUDED." + q(g.Version) + "\n  RETURNING v." + q(g.KeyHash) + "\n), stale AS (\n")
	b.WriteString("  DELETE FROM " + stage + " s WHERE s." + ver + " IS NOT NULL AND NOT EXISTS (SELECT 1 FROM adv WHERE adv." + q(g.KeyHash) + " = s." + kh + ")\n  RETURNING 1\n)\n")
	b.WriteString("SELECT count(*) FROM stale")
	return b.String()
}

// runGuard runs the guard statement of a batch and remembers what it did.
func (w *writer) runGuard(ctx context.Context) error {
	t0 := time.Now()
	rows, err := w.s.Query(ctx, w.p.guard, w.guard.PipelineName)
	w.guardTook = time.Since(t0)
	if err != nil {
		return fmt.Errorf("version guard: %w", err)
	}
	w.guardSkipped = 0
	if len(rows) != 1 || len(rows[0]) != 1 {
		return fmt.Errorf("version guard: the count of stale rows came back as %d rows", len(rows))
	}
	n, err := strconv.ParseInt(fmt.Sprint(rows[0][0]), 10, 64)
	if err != nil {
		return fmt.Errorf("version guard: the count of stale rows is %v", rows[0][0])
	}
	w.guardSkipped = n
	return nil
}

// LastGuard implements dialects.GuardReporter.
func (w *writer) LastGuard() (int64, time.Duration) { return w.guardSkipped, w.guardTook }
