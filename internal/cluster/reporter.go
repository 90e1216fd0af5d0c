package cluster

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"time"

	"blog/internal/assets"
	"blog/internal/litefs"
	"blog/internal/posts"
	"blog/internal/projects"
	"blog/internal/repo"
	"blog/internal/tags"
)

// Position is where the node stands in the LiteFS cluster:
// *litefs.Node answers it.
type Position interface {
	// Status is the node's role, primary and latest transaction, from the
	// event stream's memory while it is up.
	Status() (litefs.Status, error)
	// Pos is the position LiteFS keeps beside the database, read afresh.
	Pos() (litefs.Pos, error)
}

// Node is what a Reporter tells about the node besides what it reads.
type Node struct {
	Name    string // FLY_MACHINE_ID, else the host name
	Region  string // FLY_REGION
	Version string // the blog's version
}

// Reporter makes this node's Report.
type Reporter struct {
	id       string
	node     Node
	db       *sql.DB
	position Position   // nil: standalone
	streams  func() int // nil: none
	samples  *Samples   // nil: no history
	now      func() time.Time
}

// ReporterConfig is what a Reporter reads. Only DB is required.
type ReporterConfig struct {
	Node     Node
	DB       *sql.DB
	Position Position   // nil off LiteFS
	Streams  func() int // the node's open live streams
	Samples  *Samples
}

// NewReporter returns the Reporter of this process, with an ID of its own.
func NewReporter(cfg ReporterConfig) *Reporter {
	return &Reporter{
		id: rand.Text()[:16], node: cfg.Node, db: cfg.DB, position: cfg.Position,
		streams: cfg.Streams, samples: cfg.Samples, now: time.Now,
	}
}

// ID is this process's report ID.
func (r *Reporter) ID() string { return r.id }

// countAttempts bounds how often Report counts again when a transaction
// arrived while it counted.
const countAttempts = 5

// Report reads the node's state. The counts are read in one read
// transaction and belong to the TXID reported: the position is read
// before and after, and the counting is done again when a transaction was
// applied meanwhile, so that two nodes at one TXID must show the same
// counts.
func (r *Reporter) Report(ctx context.Context) (Report, error) {
	rep := Report{
		ID: r.id, Name: r.node.Name, Region: r.node.Region, Version: r.node.Version,
		Role: string(litefs.Standalone), Time: r.now().UTC(),
	}
	if r.position != nil {
		st, err := r.position.Status()
		if err != nil {
			return Report{}, err
		}
		rep.Role, rep.Primary = string(st.Role), st.Primary
	}
	for attempt := 1; ; attempt++ {
		before, err := r.pos()
		if err != nil {
			return Report{}, err
		}
		counts, err := ReadCounts(ctx, r.db)
		if err != nil {
			return Report{}, err
		}
		after, err := r.pos()
		if err != nil {
			return Report{}, err
		}
		if before == after || attempt == countAttempts {
			rep.Counts = counts
			if rep.Role != string(litefs.Standalone) {
				rep.TXID = litefs.FormatTXID(after.TXID)
			}
			break
		}
	}
	if r.streams != nil {
		rep.Streams = r.streams()
	}
	rep.History = r.samples.History()
	return rep, nil
}

func (r *Reporter) pos() (litefs.Pos, error) {
	if r.position == nil {
		return litefs.Pos{}, nil
	}
	return r.position.Pos()
}

// ReadCounts counts the rows of every table the check compares, in one
// read transaction; each table's owning package counts its own.
func ReadCounts(ctx context.Context, db *sql.DB) (Counts, error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return Counts{}, fmt.Errorf("count the rows: %w", err)
	}
	defer tx.Rollback()
	var c Counts
	for _, f := range []struct {
		n     *int64
		count func(context.Context, *sql.Tx) (int64, error)
	}{
		{&c.Tags, tags.Count}, {&c.Posts, posts.Count}, {&c.Projects, projects.Count},
		{&c.Assets, assets.Count}, {&c.IdempotencyKeys, repo.CountKeys},
	} {
		if *f.n, err = f.count(ctx, tx); err != nil {
			return Counts{}, fmt.Errorf("count the rows: %w", err)
		}
	}
	return c, nil
}
