// Package migrations embeds the numbered SQL migrations (goose format) so the
// binary migrates its own database; sqlc reads the same files as its schema.
package migrations

import "embed"

// FS holds every *.sql migration.
//
//go:embed *.sql
var FS embed.FS
