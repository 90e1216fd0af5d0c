// Package live keeps what open pages are told while they stay open: how
// many readers the site and each page have (counted here, summed with the
// other nodes' counts that gossip brings), the author's presence and the
// version of the content. Each open page holds one Stream; the hub wakes
// the streams when something they show has changed.
package live

import (
	"encoding/json"
	"errors"
	"maps"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// MaxPath is the longest page path a stream may name, in bytes.
const MaxPath = 256

// wakeEvery bounds how often the streams are woken: a burst of readers
// arriving or leaving is sent as one count, not one per reader.
const wakeEvery = 250 * time.Millisecond

// Errors of Open.
var (
	// ErrFull means the node holds as many streams as it may.
	ErrFull = errors.New("live: too many open streams on this node")
	// ErrClientFull means one client holds as many streams as it may.
	ErrClientFull = errors.New("live: too many open streams from one client")
	// ErrClosed means the hub has stopped.
	ErrClosed = errors.New("live: hub stopped")
)

// Counts are the readers of the site and of one page.
type Counts struct {
	Site int `json:"site"`
	Page int `json:"page"`
}

// Hub counts the open streams of this node and wakes them on changes.
// The zero value is not usable; call NewHub.
type Hub struct {
	max       int
	perClient int
	streams   prometheus.Gauge

	mu       sync.Mutex
	local    map[string]int // open streams of this node by page path
	total    int            // open streams of this node
	byClient map[string]int // open streams of this node by client
	remote   map[string]int // open streams of the other nodes by path
	remoteN  int            // open streams of the other nodes
	subs     map[*Stream]struct{}
	presence []byte // the latest presence, as JSON; nil while unknown
	presVer  uint64 // moves on with every presence
	content  int64  // the content version last seen
	contVer  uint64 // moves on when content does
	dirty    bool   // something the streams show changed since the last wake

	kick    chan struct{} // a change happened (cap 1)
	changed chan struct{} // local counts changed, for gossip (cap 1)
	stop    chan struct{}
	done    chan struct{}
}

// Options configure a hub.
type Options struct {
	// Max is the most streams the node holds at once (BLOG_LIVE_MAX).
	Max int
	// PerClient is the most streams one client holds at once; default
	// DefaultPerClient(Max).
	PerClient int
	// Registerer takes the hub's metrics; nil registers none.
	Registerer prometheus.Registerer
}

// DefaultMax is the most open streams a hub holds unless told otherwise
// (BLOG_LIVE_MAX).
const DefaultMax = 5000

// DefaultPerClient is the most streams one client may hold when a node
// holds at most max: a fiftieth, so that no one address can lock the
// others out, but at least 4, for a household's open tabs behind one
// address.
func DefaultPerClient(most int) int { return min(most, max(4, most/50)) }

// NewHub returns a running hub; Close stops it.
func NewHub(o Options) *Hub {
	if o.Max <= 0 {
		o.Max = DefaultMax
	}
	if o.PerClient <= 0 {
		o.PerClient = DefaultPerClient(o.Max)
	}
	h := &Hub{
		max:       o.Max,
		perClient: o.PerClient,
		streams: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "blog_live_streams",
			Help: "Live streams (open pages) held by this node.",
		}),
		local:    map[string]int{},
		byClient: map[string]int{},
		remote:   map[string]int{},
		subs:     map[*Stream]struct{}{},
		kick:     make(chan struct{}, 1),
		changed:  make(chan struct{}, 1),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	if o.Registerer != nil {
		o.Registerer.MustRegister(h.streams)
	}
	go h.run()
	return h
}

// Close stops the hub and ends every stream.
func (h *Hub) Close() {
	select {
	case <-h.stop:
	default:
		close(h.stop)
	}
	<-h.done
}

// Stream is one open page: a viewer of Path while it is open. Its owner
// waits on Wake and then asks Next what to send.
type Stream struct {
	hub    *Hub
	path   string
	client string
	wake   chan struct{}
	// What this stream has sent, so Next sends only what is new.
	sent     Counts
	sentOnce bool
	presVer  uint64
	contVer  uint64
}

// Open counts a new viewer of path for a client (its address, or any key
// that names one reader's machine; "" counts against no client) and
// returns its stream: ErrFull when the node holds Max streams already,
// ErrClientFull when the client holds PerClient. The caller checks path
// first.
func (h *Hub) Open(path, client string) (*Stream, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.stop:
		return nil, ErrClosed
	default:
	}
	if h.total >= h.max {
		return nil, ErrFull
	}
	if client != "" && h.byClient[client] >= h.perClient {
		return nil, ErrClientFull
	}
	s := &Stream{hub: h, path: path, client: client, wake: make(chan struct{}, 1), contVer: h.contVer}
	h.subs[s] = struct{}{}
	if client != "" {
		h.byClient[client]++
	}
	h.local[path]++
	h.total++
	h.localChanged()
	h.streams.Set(float64(h.total))
	return s, nil
}

// Close ends the stream: its viewer leaves. Closing twice is harmless.
func (s *Stream) Close() {
	h := s.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; !ok {
		return
	}
	delete(h.subs, s)
	if h.local[s.path]--; h.local[s.path] <= 0 {
		delete(h.local, s.path)
	}
	if s.client != "" {
		if h.byClient[s.client]--; h.byClient[s.client] <= 0 {
			delete(h.byClient, s.client)
		}
	}
	h.total--
	h.localChanged()
	h.streams.Set(float64(h.total))
}

// Path is the page the stream's reader has open.
func (s *Stream) Path() string { return s.path }

// Wake is signalled when the stream may have something to send, and
// closed when the hub stops.
func (s *Stream) Wake() <-chan struct{} { return s.wake }

// Event is one message for an open page.
type Event struct {
	Name string // viewers, presence or content
	Data []byte // JSON
}

// Next returns the events the stream has not sent yet: its counts when
// they changed, the presence when it changed, and content when the content
// moved on since the stream opened or last sent it.
func (s *Stream) Next() []Event {
	h := s.hub
	h.mu.Lock()
	c := Counts{Site: h.total + h.remoteN, Page: h.local[s.path] + h.remote[s.path]}
	pres, presVer := h.presence, h.presVer
	content, contVer := h.content, h.contVer
	h.mu.Unlock()

	var evs []Event
	if !s.sentOnce || c != s.sent {
		data, _ := json.Marshal(c)
		evs = append(evs, Event{Name: "viewers", Data: data})
		s.sent, s.sentOnce = c, true
	}
	if presVer != s.presVer && pres != nil {
		evs = append(evs, Event{Name: "presence", Data: pres})
	}
	s.presVer = presVer
	if contVer != s.contVer {
		data, _ := json.Marshal(map[string]int64{"version": content})
		evs = append(evs, Event{Name: "content", Data: data})
		s.contVer = contVer
	}
	return evs
}

// Counts returns the readers of the whole deployment and of path.
func (h *Hub) Counts(path string) Counts {
	h.mu.Lock()
	defer h.mu.Unlock()
	return Counts{Site: h.total + h.remoteN, Page: h.local[path] + h.remote[path]}
}

// LocalCounts returns this node's open streams by page path, for gossip.
func (h *Hub) LocalCounts() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return maps.Clone(h.local)
}

// Streams is how many streams this node holds open now, for the
// operator's cluster page.
func (h *Hub) Streams() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.total
}

// LocalChanged is signalled when this node's counts change.
func (h *Hub) LocalChanged() <-chan struct{} { return h.changed }

// SetRemote replaces the other nodes' counts, summed over the nodes, by
// page path.
func (h *Hub) SetRemote(byPath map[string]int) {
	n := 0
	for _, v := range byPath {
		n += v
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if n == h.remoteN && maps.Equal(byPath, h.remote) {
		return
	}
	h.remote, h.remoteN = maps.Clone(byPath), n
	h.markDirty()
}

// Presence returns the presence as JSON, nil when there is none (no
// Discord user is set).
func (h *Hub) Presence() []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.presence
}

// SetPresence sets the presence every page shows, as JSON.
func (h *Hub) SetPresence(data []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.presence = data
	h.presVer++
	h.markDirty()
}

// SetContentVersion records the content's version; a version other than
// the last one tells every open page to fetch itself again. The first
// version recorded tells nobody: it is where the pages start from.
func (h *Hub) SetContentVersion(v int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	first := h.contVer == 0 && h.content == 0
	if !first && v == h.content {
		return
	}
	h.content = v
	if first {
		h.contVer = 1
		// Streams opened before the first version was known count from it.
		for s := range h.subs {
			s.contVer = 1
		}
		return
	}
	h.contVer++
	h.markDirty()
}

// localChanged notes a change to this node's counts; h.mu is held.
func (h *Hub) localChanged() {
	select {
	case h.changed <- struct{}{}:
	default:
	}
	h.markDirty()
}

// markDirty asks run to wake the streams; h.mu is held.
func (h *Hub) markDirty() {
	h.dirty = true
	select {
	case h.kick <- struct{}{}:
	default:
	}
}

// run wakes the streams after changes, at most once every wakeEvery.
func (h *Hub) run() {
	defer close(h.done)
	var last time.Time
	for {
		select {
		case <-h.stop:
			h.mu.Lock()
			for s := range h.subs {
				close(s.wake)
			}
			h.subs = map[*Stream]struct{}{}
			h.mu.Unlock()
			return
		case <-h.kick:
		}
		if wait := wakeEvery - time.Since(last); wait > 0 {
			select {
			case <-h.stop:
				continue
			case <-time.After(wait):
			}
		}
		last = time.Now()
		h.mu.Lock()
		if h.dirty {
			h.dirty = false
			for s := range h.subs {
				select {
				case s.wake <- struct{}{}:
				default:
				}
			}
		}
		h.mu.Unlock()
	}
}
