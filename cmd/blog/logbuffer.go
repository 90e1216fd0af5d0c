package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Bounds of the log's buffer: a busy node writes its log a few times a
// second, in one write each, instead of once per request.
const (
	logFlushEvery = 100 * time.Millisecond
	logFlushBytes = 64 << 10
)

// logBuffer holds what is logged for up to logFlushEvery, or logFlushBytes,
// and writes it to w in one write. A warning or an error is written at
// once, with everything before it, so that nothing an operator must see
// waits; Close writes what is held, so a clean stop loses no line.
type logBuffer struct {
	w io.Writer

	mu      sync.Mutex
	buf     bytes.Buffer
	pending bool // a flush is due
	closed  bool
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return b.w.Write(p)
	}
	b.buf.Write(p)
	switch {
	case b.buf.Len() >= logFlushBytes:
		b.flushLocked()
	case !b.pending:
		b.pending = true
		time.AfterFunc(logFlushEvery, b.Flush)
	}
	return len(p), nil
}

// Flush writes what is held.
func (b *logBuffer) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
}

func (b *logBuffer) flushLocked() {
	b.pending = false
	if b.buf.Len() == 0 {
		return
	}
	_, _ = b.w.Write(b.buf.Bytes())
	b.buf.Reset()
}

// Close writes what is held; later lines are written at once.
func (b *logBuffer) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	b.closed = true
}

// urgent is a slog.Handler that flushes the buffer after every record at
// level Warn or above.
type urgent struct {
	slog.Handler
	buf *logBuffer
}

func (u urgent) Handle(ctx context.Context, r slog.Record) error {
	err := u.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		u.buf.Flush()
	}
	return err
}

func (u urgent) WithAttrs(attrs []slog.Attr) slog.Handler {
	return urgent{u.Handler.WithAttrs(attrs), u.buf}
}

func (u urgent) WithGroup(name string) slog.Handler { return urgent{u.Handler.WithGroup(name), u.buf} }
