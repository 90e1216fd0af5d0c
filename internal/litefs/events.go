package litefs

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultAPIURL is LiteFS's HTTP API on the node itself (BLOG_LITEFS_URL).
const DefaultAPIURL = "http://localhost:20202"

// Bounds of following the event stream.
const (
	// Reconnecting starts quickly, since until the stream is back every
	// write and page pays for file reads, and slows down to spare a LiteFS
	// that is restarting.
	eventsBackoffFirst = 50 * time.Millisecond
	eventsBackoffMax   = 5 * time.Second
	// A stream that stayed up this long was healthy: the next break starts
	// the back-off again from the first step.
	eventsHealthyAfter = 10 * time.Second
	// How often the position file is compared with the stream, and how long
	// a transaction may take to arrive as an event before the stream is
	// taken for lagging.
	eventsCheckEvery = time.Second
	eventsLagGrace   = 250 * time.Millisecond
	// How long LiteFS may take to send init on a new stream.
	eventsInitWithin = 5 * time.Second
	// The longest line read from the stream; LiteFS's events are a few
	// hundred bytes.
	eventsMaxLine = 64 << 10
)

// EventsConfig holds what Events needs.
type EventsConfig struct {
	URL     string       // LiteFS's HTTP API, BLOG_LITEFS_URL; default DefaultAPIURL
	DB      string       // the database file, inside the LiteFS mount
	Client  *http.Client // default: a client of its own, without time-out
	Log     *slog.Logger // default: slog.Default()
	Metrics *Metrics     // may be nil

	// Test hooks; zero means the defaults above.
	BackoffFirst, BackoffMax time.Duration
	CheckEvery, LagGrace     time.Duration
	InitWithin               time.Duration
}

// Events follows LiteFS's event stream (GET /events on its HTTP API) and
// keeps what it says in memory: whether this node holds the lease, the
// primary's hostname, and the database's latest transaction. Reading them
// costs nothing, where each look at the mount is a round trip through FUSE.
//
// LiteFS sends an "init" event when the stream opens, "primaryChange" when
// the lease moves, and "tx" for every transaction committed or replicated
// on this node, after it is readable here (db.go sends it once the WAL and
// its index are updated). It closes the stream of a subscriber that falls
// 1,024 events behind.
//
// The memory is only trusted while the stream is up. From the moment it
// breaks, is cut, is closed by LiteFS, or is found lagging behind the
// position file, Live reports false and callers read the mount as before,
// until the stream is back (see Run).
type Events struct {
	url        string
	db         string // the database's name in LiteFS: its file name
	files      *Node  // the mount's files, read when the stream opens and to check it
	client     *http.Client
	log        *slog.Logger
	metrics    *Metrics
	backoff    [2]time.Duration
	checkEvery time.Duration
	lagGrace   time.Duration
	initWithin time.Duration

	// version moves on at every change a reader of the database must see:
	// a transaction, or a new stream. Its lowest bit
	// tells whether the stream is live, so that one atomic load gives both
	// and they never disagree.
	version atomic.Uint64

	mu      sync.Mutex
	live    bool
	state   EventState
	changed chan struct{} // closed and replaced at every change of state
}

// EventState is what the stream has said about the node.
type EventState struct {
	IsPrimary bool   // this node holds the lease
	Primary   string // the primary's hostname, "" when this node is primary or none is known
	Pos       Pos    // the database's latest transaction on this node
}

// Role is the node's role as the state tells it.
func (s EventState) Role() Role {
	if s.IsPrimary {
		return Primary
	}
	return Replica
}

// NewEvents returns Events configured by cfg; it follows nothing until Run.
func NewEvents(cfg EventsConfig) *Events {
	e := &Events{
		url:        strings.TrimRight(cfg.URL, "/"),
		db:         filepath.Base(cfg.DB),
		files:      NewNode(cfg.DB),
		client:     cfg.Client,
		log:        cfg.Log,
		metrics:    cfg.Metrics,
		backoff:    [2]time.Duration{cfg.BackoffFirst, cfg.BackoffMax},
		checkEvery: cfg.CheckEvery,
		lagGrace:   cfg.LagGrace,
		initWithin: cfg.InitWithin,
		changed:    make(chan struct{}),
	}
	if e.url == "" {
		e.url = DefaultAPIURL
	}
	if e.client == nil {
		e.client = &http.Client{}
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	if e.backoff[0] <= 0 {
		e.backoff[0] = eventsBackoffFirst
	}
	if e.backoff[1] <= 0 {
		e.backoff[1] = eventsBackoffMax
	}
	if e.checkEvery <= 0 {
		e.checkEvery = eventsCheckEvery
	}
	if e.lagGrace <= 0 {
		e.lagGrace = eventsLagGrace
	}
	if e.initWithin <= 0 {
		e.initWithin = eventsInitWithin
	}
	return e
}

// State returns what the stream last said, and whether the stream is up.
// When live is false the state is not to be used.
func (e *Events) State() (s EventState, live bool) {
	if e == nil {
		return EventState{}, false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state, e.live
}

// watch returns the state, whether the stream is up, and a channel closed
// at the next change of either.
func (e *Events) watch() (EventState, bool, <-chan struct{}) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.state, e.live, e.changed
}

// Changed returns a channel closed at the next change of the state or of
// whether the stream is up: when Version moves on.
func (e *Events) Changed() <-chan struct{} {
	_, _, ch := e.watch()
	return ch
}

// Version returns a number that moves on whenever the database on this
// node may have changed, as far as the stream tells, and ok false
// while the stream is down: then nothing can be told without reading the
// database. Two calls that return the same version with ok true saw the
// database in the same state.
func (e *Events) Version() (v uint64, ok bool) {
	if e == nil {
		return 0, false
	}
	x := e.version.Load()
	return x >> 1, x&1 == 1
}

// bump moves the version on and wakes the waiters; e.mu is held.
func (e *Events) bump() {
	live := uint64(0)
	if e.live {
		live = 1
	}
	v := e.version.Load()>>1 + 1
	e.version.Store(v<<1 | live)
	close(e.changed)
	e.changed = make(chan struct{})
}

// set changes the state, which the stream has just told, under e.mu: the
// state is live.
func (e *Events) set(f func(s *EventState)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f(&e.state)
	e.live = true
	e.bump()
}

// Run follows the stream until ctx ends, reconnecting with back-off
// whenever it breaks.
func (e *Events) Run(ctx context.Context) {
	b := newBackOff(e.backoff[0], e.backoff[1])
	lastErr := "" // logged already, while the stream stays down
	for {
		start := time.Now()
		err := e.follow(ctx)
		wasLive := e.wentDown()
		if ctx.Err() != nil {
			return
		}
		if msg := fmt.Sprint(err); wasLive || msg != lastErr {
			e.log.Warn("LiteFS event stream down: reading the role and position from the mount until it is back",
				"url", e.url+"/events", "err", err)
			lastErr = msg
		}
		if time.Since(start) > eventsHealthyAfter {
			b.Reset()
		}
		if !sleep(ctx, b.NextBackOff()) {
			return
		}
		if e.metrics != nil {
			e.metrics.eventsReconnects.Inc()
		}
	}
}

// wentDown marks the stream down and reports whether it was live.
func (e *Events) wentDown() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	was := e.live
	e.live = false
	e.bump()
	e.metrics.eventsUp(false)
	return was
}

// event is one line of the stream. Data is decoded by type here rather than
// with LiteFS's own types, which would bring LiteFS's module, FUSE and
// Consul clients included, into the blog for four fields.
type event struct {
	Type string          `json:"type"`
	DB   string          `json:"db"`
	Data json.RawMessage `json:"data"`
}

// leaseData is the data of "init" and "primaryChange".
type leaseData struct {
	IsPrimary bool   `json:"isPrimary"`
	Hostname  string `json:"hostname"`
}

// txData is the data of "tx"; TXID and checksum are 16 hex digits, and
// the timestamp is when the primary committed the transaction (the LTX
// file's header, to the millisecond).
type txData struct {
	TXID              string `json:"txID"`
	PostApplyChecksum string `json:"postApplyChecksum"`
	Timestamp         string `json:"timestamp"`
}

// errLagging ends a stream that no longer keeps up with the position file.
var errLagging = errors.New("the event stream is behind the database's position file")

// follow opens the stream and applies its events until it ends. It returns
// why it ended.
func (e *Events) follow(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.url+"/events", nil)
	if err != nil {
		return err
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s/events answered %s", e.url, resp.Status)
	}
	r := bufio.NewReaderSize(resp.Body, 4096)

	// LiteFS sends init as it subscribes; a stream that says nothing is
	// stalled, and is tried again rather than waited on for ever.
	initTimer := time.AfterFunc(e.initWithin, func() {
		cancel(fmt.Errorf("no init event within %s", e.initWithin))
	})

	// LiteFS sends "init" first, then the events from that moment on: the
	// position read after init misses nothing, and a tx event that
	// overtakes it is kept by taking the later of the two.
	ev, err := readEvent(r)
	initTimer.Stop()
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
			return cause
		}
		return err
	}
	if ev.Type != "init" {
		return fmt.Errorf("the event stream began with %q, not init", ev.Type)
	}
	var init leaseData
	if err := json.Unmarshal(ev.Data, &init); err != nil {
		return fmt.Errorf("init event: %w", err)
	}
	pos, err := e.files.Pos()
	if err != nil {
		return err
	}
	e.set(func(s *EventState) {
		*s = EventState{IsPrimary: init.IsPrimary, Primary: primaryName(init), Pos: pos}
	})
	e.metrics.eventsUp(true)
	e.log.Info("following LiteFS events", "url", e.url+"/events", "primary", init.IsPrimary,
		"hostname", init.Hostname, "txid", FormatTXID(pos.TXID))

	go e.check(ctx, cancel)

	for {
		ev, err := readEvent(r)
		if err != nil {
			if cause := context.Cause(ctx); cause != nil && ctx.Err() != nil {
				return cause
			}
			return err
		}
		if err := e.apply(ev); err != nil {
			return err
		}
	}
}

// apply takes one event after init into the state.
func (e *Events) apply(ev event) error {
	switch ev.Type {
	case "primaryChange":
		var d leaseData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return fmt.Errorf("primaryChange event: %w", err)
		}
		e.set(func(s *EventState) { s.IsPrimary, s.Primary = d.IsPrimary, primaryName(d) })
		e.log.Info("LiteFS primary changed", "primary", d.IsPrimary, "hostname", d.Hostname)
	case "tx":
		if ev.DB != e.db {
			return nil
		}
		var d txData
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return fmt.Errorf("tx event: %w", err)
		}
		txid, err := ParseTXID(d.TXID)
		if err != nil {
			return fmt.Errorf("tx event: %w", err)
		}
		sum, err := ParseTXID(d.PostApplyChecksum)
		if err != nil {
			return fmt.Errorf("tx event: checksum: %w", err)
		}
		if committed, err := time.Parse(time.RFC3339Nano, d.Timestamp); err == nil {
			// Only the charts want it: a stream without is still followed.
			e.observeLag(committed)
		}
		e.set(func(s *EventState) { s.Pos = Pos{TXID: txid, PostApplyChecksum: sum} })
	}
	return nil
}

// observeLag measures, on a replica, how long after the primary committed
// a transaction it became readable here: LiteFS sends tx once the
// transaction is applied. On the primary the event tells of its own commit,
// and there is no lag to measure.
func (e *Events) observeLag(committed time.Time) {
	if s, _ := e.State(); s.IsPrimary {
		return
	}
	e.metrics.replicated(time.Since(committed))
}

// primaryName is the primary's hostname as the blog forwards to it: none
// when this node is the primary itself.
func primaryName(d leaseData) string {
	if d.IsPrimary {
		return ""
	}
	return strings.TrimSpace(d.Hostname)
}

func readEvent(r *bufio.Reader) (event, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) && len(line) < eventsMaxLine {
			continue
		}
		if errors.Is(err, io.EOF) {
			return event{}, errors.New("LiteFS closed the event stream (it does so to a subscriber that falls behind)")
		}
		return event{}, fmt.Errorf("read the event stream: %w", err)
	}
	var ev event
	if err := json.Unmarshal(line, &ev); err != nil {
		return event{}, fmt.Errorf("decode event %.200q: %w", line, err)
	}
	return ev, nil
}

// check compares the stream with the position file now and then, and ends
// the stream when the file is ahead for longer than an event takes to
// arrive: the stream is then lagging, or stalled without being closed, and
// its memory would show a database older than the node's.
func (e *Events) check(ctx context.Context, cancel context.CancelCauseFunc) {
	t := time.NewTicker(e.checkEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		file, err := e.files.Pos()
		if err != nil {
			continue
		}
		if ahead := e.waitFor(ctx, file.TXID, e.lagGrace); ahead {
			cancel(fmt.Errorf("%w: the file is at %s", errLagging, FormatTXID(file.TXID)))
			return
		}
	}
}

// waitFor waits up to grace for the stream to reach txid, and reports
// whether it did not.
func (e *Events) waitFor(ctx context.Context, txid uint64, grace time.Duration) (behind bool) {
	timer := time.NewTimer(grace)
	defer timer.Stop()
	for {
		s, live, ch := e.watch()
		if !live || s.Pos.TXID >= txid {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-timer.C:
			return true
		case <-ch:
		}
	}
}
