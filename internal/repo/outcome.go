package repo

// Change says what an upsert or a delete did to the row it names.
type Change string

// The changes an upsert or delete reports.
const (
	Created   Change = "created"
	Updated   Change = "updated"
	Unchanged Change = "unchanged"
	Deleted   Change = "deleted"
)

// Outcome is the result of an upsert or a delete: which row, and what
// became of it.
type Outcome struct {
	ID     int64  `json:"id"`
	Change Change `json:"change"`
}
