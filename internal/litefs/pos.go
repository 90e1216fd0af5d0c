package litefs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"blog"
)

// Pos is a position in the database's replication stream. LiteFS keeps the
// current one next to the database, in "<db>-pos", as "TXID/checksum".
type Pos struct {
	TXID              uint64
	PostApplyChecksum uint64
}

// String formats p the way LiteFS writes it.
func (p Pos) String() string { return FormatTXID(p.TXID) + "/" + FormatTXID(p.PostApplyChecksum) }

// FormatTXID formats a transaction ID as LiteFS does: 16 lowercase hex digits.
func FormatTXID(txid uint64) string { return fmt.Sprintf("%016x", txid) }

// ParseTXID parses a transaction ID formatted by FormatTXID.
func ParseTXID(s string) (uint64, error) {
	if len(s) != 16 {
		return 0, fmt.Errorf("parse TXID %q: want 16 hex digits", s)
	}
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil {
		return 0, fmt.Errorf("parse TXID %q: want 16 hex digits", s)
	}
	return v, nil
}

// ParsePos parses the text of a position file: "%016x/%016x", with or
// without a trailing newline.
func ParsePos(s string) (Pos, error) {
	text := strings.TrimSuffix(s, "\n")
	txid, sum, ok := strings.Cut(text, "/")
	if !ok {
		return Pos{}, fmt.Errorf("parse position %q: want TXID/checksum", s)
	}
	var p Pos
	var err error
	if p.TXID, err = ParseTXID(txid); err != nil {
		return Pos{}, fmt.Errorf("parse position %q: %w", s, err)
	}
	if p.PostApplyChecksum, err = ParseTXID(sum); err != nil {
		return Pos{}, fmt.Errorf("parse position %q: checksum: %w", s, err)
	}
	return p, nil
}

// Pos reads the database's replication position. Before LiteFS has seen a
// transaction, or off LiteFS, there is no position file: that is the zero Pos.
func (n *Node) Pos() (Pos, error) {
	b, err := readSmall(n.posPath)
	if errors.Is(err, fs.ErrNotExist) {
		return Pos{}, nil
	}
	if err != nil {
		return Pos{}, fmt.Errorf("read replication position: %w", err)
	}
	p, err := ParsePos(string(b))
	if err != nil {
		return Pos{}, fmt.Errorf("%s: %w", n.posPath, err)
	}
	return p, nil
}

// Polling bounds of WaitForTXID while the event stream is down.
// Replication within one region takes about a millisecond, so the first
// looks come quickly; the interval then grows a little so that a long wait
// costs next to nothing.
const (
	waitFirstPoll = 200 * time.Microsecond
	waitMaxPoll   = time.Millisecond
)

// WaitForTXID returns once this node's database has reached transaction
// txid, so that a write the primary just made is visible to reads here. A
// primary or standalone node has every transaction already. When ctx ends
// first, it returns an unavailable *blog.Error.
func (n *Node) WaitForTXID(ctx context.Context, txid uint64) error {
	role, _, err := n.Role()
	if err != nil {
		return err
	}
	if role != Replica {
		return nil
	}
	return n.waitForTXID(ctx, txid)
}

// waitForTXID is WaitForTXID for a caller that knows the node is a replica.
// While the event stream is up it waits to be told of the transaction, at
// no cost; while it is down it polls the position file. It changes from one
// to the other as the stream goes down or comes back.
func (n *Node) waitForTXID(ctx context.Context, txid uint64) error {
	interval := waitFirstPoll
	timer := time.NewTimer(interval)
	defer timer.Stop()
	var reached uint64
	for {
		var changed <-chan struct{}
		if n.events != nil {
			var s EventState
			var live bool
			s, live, changed = n.events.watch()
			if live {
				if s.Pos.TXID >= txid {
					return nil
				}
				reached = s.Pos.TXID
				select {
				case <-ctx.Done():
					return notCaughtUp(reached, txid)
				case <-changed:
				}
				continue
			}
		}
		pos, err := n.Pos()
		if err != nil {
			return err
		}
		if pos.TXID >= txid {
			return nil
		}
		reached = pos.TXID
		timer.Reset(interval)
		select {
		case <-ctx.Done():
			return notCaughtUp(reached, txid)
		case <-timer.C:
		case <-changed: // the stream came back (nil channel without one)
		}
		interval = min(interval*5/4, waitMaxPoll)
	}
}

func notCaughtUp(reached, txid uint64) error {
	return blog.Errorf(blog.EUNAVAILABLE,
		"This server has not caught up with the primary yet (transaction %s of %s). Try again in a moment.",
		FormatTXID(reached), FormatTXID(txid))
}

// readSmall reads a file of LiteFS's mount that holds a line of text. Every
// call on the mount is a round trip to LiteFS (a tenth of a millisecond or
// more), so it opens, reads and closes, and nothing else: os.ReadFile would
// also stat the file to size its buffer.
func readSmall(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, 512)
	n, err := io.ReadFull(f, buf)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = nil
	}
	return buf[:n], err
}
