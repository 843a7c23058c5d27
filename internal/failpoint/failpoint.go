// Package failpoint marks the phase boundaries of a run where a crash
// matters — after each batch commit, after the final commit, after the
// run-history row, after the unlock, after the report — so that tests can
// kill the process exactly there and prove that a rerun neither loses nor
// repeats a row.
//
// The points cost nothing in a normal build: Hit is an empty function that
// the compiler removes. Only a binary built with `-tags failpoint` (the
// crash tests build one) reads XCETL_FAILPOINT and SIGKILLs itself at the
// named point; a release binary contains neither the variable's name nor
// the kill.
package failpoint

// The phase boundaries of a run, in the order a run passes them.
const (
	// BatchCommit: a batch of commit: batch is committed (with its
	// checkpoints). Hit once per committed batch.
	BatchCommit = "batch-commit"
	// FinalCommit: the run's transaction is committed (commit: run), or
	// the last batch is (commit: batch).
	FinalCommit = "final-commit"
	// RunHistory: the run's row of xcetl_runs is written.
	RunHistory = "run-history"
	// Unlock: the pipeline's lock is released.
	Unlock = "unlock"
	// Report: the JSON report (--report) is written.
	Report = "report"
	// Metrics: the metrics file (--metrics-file) is written.
	Metrics = "metrics"
)
