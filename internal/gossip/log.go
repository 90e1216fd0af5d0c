package gossip

import (
	"bytes"
	"context"
	"log"
	"log/slog"
	"sync"
	"time"
)

// Anyone who reaches the gossip port can make memberlist log a line per
// packet or connection ("Decrypt packet failed", "failed to receive"), so
// warnings and errors are rate-limited by kind: the first of a kind is
// logged, then at most one every logEvery, which says how many of its kind
// were held back since the last.
const (
	logEvery = time.Minute
	// maxKinds bounds the kinds remembered; further kinds share one, so
	// that varied lines cannot flood the log (or the memory) either.
	maxKinds = 64
	// maxKindLen bounds a kind's text, taken from the start of a line.
	maxKindLen = 48
)

// otherKinds is the kind of every line once maxKinds kinds are known.
const otherKinds = "(other kinds)"

// quietLog logs warnings and errors at most once every logEvery per kind.
type quietLog struct {
	l   *slog.Logger
	now func() time.Time

	mu    sync.Mutex
	kinds map[string]*kindSeen
}

// kindSeen is when a kind was last logged and how many were held back
// since.
type kindSeen struct {
	last time.Time
	held int
}

func newQuietLog(l *slog.Logger) *quietLog {
	return &quietLog{l: l, now: time.Now, kinds: map[string]*kindSeen{}}
}

// allow reports whether a line of kind k may be logged now and, if so,
// how many of its kind were held back before it.
func (q *quietLog) allow(k string) (bool, int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	s, ok := q.kinds[k]
	if !ok && len(q.kinds) >= maxKinds {
		k = otherKinds
		s, ok = q.kinds[k]
	}
	if !ok {
		q.kinds[k] = &kindSeen{last: now}
		return true, 0
	}
	if now.Sub(s.last) < logEvery {
		s.held++
		return false, 0
	}
	held := s.held
	s.last, s.held = now, 0
	return true, held
}

// log logs msg at level, rate-limited by kind when it is a warning or an
// error.
func (q *quietLog) log(level slog.Level, kind, msg string, args ...any) {
	ctx := context.Background()
	if !q.l.Enabled(ctx, level) {
		return
	}
	if level >= slog.LevelWarn {
		ok, held := q.allow(kind)
		if !ok {
			return
		}
		if held > 0 {
			args = append(args, "suppressed", held)
		}
	}
	q.l.Log(ctx, level, msg, args...)
}

// warn logs a warning of the gossip itself; its message is its kind.
func (q *quietLog) warn(msg string, args ...any) { q.log(slog.LevelWarn, msg, msg, args...) }

// newLogger turns memberlist's log lines ("[WARN] memberlist: …") into
// slog records at their level, warnings and errors rate-limited; its
// debug lines are dropped.
func newLogger(q *quietLog) *log.Logger {
	return log.New(logWriter{q}, "", 0)
}

type logWriter struct{ q *quietLog }

var levels = []struct {
	prefix string
	level  slog.Level
}{
	{"[DEBUG] ", slog.LevelDebug - 4}, {"[INFO] ", slog.LevelInfo},
	{"[WARN] ", slog.LevelWarn}, {"[ERR] ", slog.LevelError},
}

func (w logWriter) Write(p []byte) (int, error) {
	msg := bytes.TrimSpace(p)
	level := slog.LevelInfo
	for _, l := range levels {
		if bytes.HasPrefix(msg, []byte(l.prefix)) {
			msg, level = msg[len(l.prefix):], l.level
			break
		}
	}
	w.q.log(level, lineKind(msg), string(msg))
	return len(p), nil
}

// lineKind is the fixed start of a memberlist line: its text up to where
// the details begin (a colon, a quote, an equals sign or a digit), which
// are the parts a peer chooses. "memberlist: Decrypt packet failed: …
// from=…" is of kind "memberlist: Decrypt packet failed".
func lineKind(msg []byte) string {
	rest, _ := bytes.CutPrefix(msg, []byte("memberlist: "))
	start := len(msg) - len(rest)
	end := bytes.IndexAny(rest, ":'\"=0123456789")
	if end < 0 {
		end = len(rest)
	}
	return string(msg[:start+min(end, maxKindLen)])
}
