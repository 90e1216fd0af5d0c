//go:build sqlite3_flock

package sqlite

// flockBuilt reports whether SQLite locks with flock(2), which LiteFS supports.
const flockBuilt = true
