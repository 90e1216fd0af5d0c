package gossip

import (
	"bytes"
	"context"
	"log"
	"log/slog"
)

// newLogger turns memberlist's log lines ("[WARN] memberlist: …") into
// slog records at their level; its debug lines are dropped.
func newLogger(l *slog.Logger) *log.Logger {
	return log.New(logWriter{l}, "", 0)
}

type logWriter struct{ l *slog.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	msg := bytes.TrimSpace(p)
	level := slog.LevelInfo
	for prefix, lv := range map[string]slog.Level{
		"[DEBUG] ": slog.LevelDebug - 4, "[INFO] ": slog.LevelInfo,
		"[WARN] ": slog.LevelWarn, "[ERR] ": slog.LevelError,
	} {
		if bytes.HasPrefix(msg, []byte(prefix)) {
			msg, level = msg[len(prefix):], lv
			break
		}
	}
	if w.l.Enabled(context.Background(), level) {
		w.l.Log(context.Background(), level, string(msg))
	}
	return len(p), nil
}
