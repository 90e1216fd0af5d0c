package main

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a writer tests can read while the logger writes.
type syncBuffer struct {
	mu     sync.Mutex
	b      strings.Builder
	writes int
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *syncBuffer) read() (string, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String(), s.writes
}

// The log is written in batches, never loses a line, keeps their order,
// and writes a warning, and all before it, at once.
func TestLogBuffer(t *testing.T) {
	out := &syncBuffer{}
	log, buf := newLogger(out)
	for i := range 100 {
		log.Info("request", "n", i)
	}
	if got, _ := out.read(); got != "" {
		t.Fatalf("info lines were written one by one: %q…", got[:min(len(got), 80)])
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		got, writes := out.read()
		if strings.Count(got, "msg=request") == 100 {
			if writes != 1 {
				t.Errorf("100 lines took %d writes, want one", writes)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the buffered lines were not written within %v: %d of 100", 2*time.Second, strings.Count(got, "msg=request"))
		}
		time.Sleep(10 * time.Millisecond)
	}

	log.Info("before the warning")
	log.Warn("something to see now")
	if got, _ := out.read(); !strings.Contains(got, "before the warning") || !strings.Contains(got, "something to see now") ||
		strings.Index(got, "before the warning") > strings.Index(got, "something to see now") {
		t.Fatalf("a warning waited, or came before the line logged first:\n%s", got)
	}

	log.Info("the last line before a stop")
	buf.Close()
	if got, _ := out.read(); !strings.HasSuffix(strings.TrimSpace(got), `msg="the last line before a stop"`) {
		t.Fatalf("Close lost the last line:\n%s", got)
	}
	log.Info("after the stop")
	if got, _ := out.read(); !strings.Contains(got, "after the stop") {
		t.Fatal("a line after Close was held")
	}
}
