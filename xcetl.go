// Package xcetl holds the vocabulary every part of xcetl shares: column
// types and schemas, typed values, batches of rows with their origins,
// rejects, secrets and pipeline-file errors. It imports only the standard
// library and nothing else of this module, so that extractors, transforms,
// loaders and dialects can all depend on it without depending on each other.
//
// Most programs use package pipelines (parse, validate, run) instead.
package xcetl

// Version information, set at build time with -ldflags
// "-X github.com/xcetl/xcetl.Version=...".
var (
	Version = "dev"
	Commit  = "unknown"
)
