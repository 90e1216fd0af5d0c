// Package presence follows the author's Discord presence through Lanyard's
// WebSocket (https://github.com/Phineas/lanyard): one connection per node,
// kept open with heartbeats at the interval Lanyard asks for, and opened
// again with back-off and jitter when it drops. Every change is handed on
// as the JSON the pages and GET /api/presence show. Nothing Lanyard sends
// is trusted (message.go): the heartbeat interval is clamped, a presence
// is cut to at most MaxJSON bytes (bounds.go), and the log lines a server
// can provoke come at most one a minute (quiet.go).
package presence

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// Presence is what the pages show of the author on Discord.
type Presence struct {
	Enabled    bool       `json:"enabled"`
	Connected  bool       `json:"connected"`
	Status     string     `json:"status"` // online, idle, dnd or offline
	Username   string     `json:"username,omitempty"`
	Activities []Activity `json:"activities"`
	Spotify    *Spotify   `json:"spotify"`
}

// Activity is one thing the author is doing, as Discord names it.
type Activity struct {
	Name    string `json:"name"`
	Type    int    `json:"type"`
	State   string `json:"state,omitempty"`
	Details string `json:"details,omitempty"`
}

// Spotify is the track the author is listening to.
type Spotify struct {
	Song     string `json:"song"`
	Artist   string `json:"artist"`
	Album    string `json:"album,omitempty"`
	AlbumArt string `json:"album_art_url,omitempty"`
	TrackID  string `json:"track_id,omitempty"`
}

// Config is what a Client needs.
type Config struct {
	URL    string // Lanyard's WebSocket (BLOG_LANYARD_URL)
	UserID string // the Discord user followed (BLOG_DISCORD_USER_ID)
	// Publish receives every presence as JSON of at most MaxJSON bytes,
	// the disconnected one too.
	Publish    func([]byte)
	Log        *slog.Logger
	Registerer prometheus.Registerer
	// MinBackoff and MaxBackoff bound the wait before reconnecting;
	// default 1 s and 1 min.
	MinBackoff, MaxBackoff time.Duration
}

// readLimit is the longest message read from Lanyard; a longer one ends
// the connection. A presence carries the user's Lanyard KV store (up to
// 512 values of 30,000 characters each), so a real one can run to
// hundreds of KiB; the node reads one message at a time on one
// connection, so the limit costs at most this much memory for a moment,
// and what is kept of a presence is cut to MaxJSON.
const readLimit = 1 << 20

// Client follows one Discord user's presence.
type Client struct {
	cfg        Config
	log        *slog.Logger
	initialize []byte // the Initialize message, subscribing to cfg.UserID
	connected  prometheus.Gauge
	reconnects prometheus.Counter
	skipped    prometheus.Counter

	// Used by Run's goroutine only: a hostile Lanyard can send garbage or
	// hang up as fast as the network allows, so these lines are quieted.
	skipLog, lostLog quiet

	mu   sync.Mutex
	last []byte // the presence last handed to Publish, as JSON
}

// New returns a client; Run connects it.
func New(cfg Config) *Client {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = max(time.Minute, cfg.MinBackoff)
	}
	subscribe, _ := json.Marshal(map[string]any{"op": opInitialize, "d": map[string]string{"subscribe_to_id": cfg.UserID}})
	c := &Client{
		cfg:        cfg,
		log:        cfg.Log.With("component", "lanyard"),
		initialize: subscribe,
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "blog_lanyard_connected",
			Help: "1 while the node is connected to Lanyard and subscribed to the Discord user.",
		}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "blog_lanyard_reconnects_total",
			Help: "Connections to Lanyard opened again after one dropped or failed.",
		}),
		skipped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "blog_lanyard_skipped_messages_total",
			Help: "Messages from Lanyard skipped because they do not parse or lack what they should carry.",
		}),
		skipLog: newQuiet(),
		lostLog: newQuiet(),
	}
	if cfg.Registerer != nil {
		cfg.Registerer.MustRegister(c.connected, c.reconnects, c.skipped)
	}
	return c
}

// Metrics are the client's metrics.
type Metrics struct {
	Connected  prometheus.Gauge   // blog_lanyard_connected
	Reconnects prometheus.Counter // blog_lanyard_reconnects_total
	Skipped    prometheus.Counter // blog_lanyard_skipped_messages_total
}

// Metrics returns the client's metrics.
func (c *Client) Metrics() Metrics {
	return Metrics{Connected: c.connected, Reconnects: c.reconnects, Skipped: c.skipped}
}

// disconnected is the presence while the node has no connection.
var disconnected = Presence{Enabled: true, Status: "offline", Activities: []Activity{}}

// Run stays connected to Lanyard until ctx is done.
func (c *Client) Run(ctx context.Context) {
	c.publish(encode(disconnected))
	b := c.newBackOff()
	for {
		start := time.Now()
		err := c.session(ctx)
		c.connected.Set(0)
		if ctx.Err() != nil {
			return
		}
		c.publish(encode(disconnected))
		if time.Since(start) > time.Minute {
			b.Reset() // it was a good connection
		}
		wait := b.NextBackOff()
		c.lostLog.log(func(held int) {
			c.log.Warn("Lanyard connection lost; reconnecting", "err", err, "in", wait.Round(time.Millisecond),
				"lost_since_last_line", held)
		})
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		c.reconnects.Inc()
	}
}

// newBackOff returns the waits before reconnecting: from MinBackoff,
// doubling up to MaxBackoff, each drawn between half and one and a half
// times its step, so that nodes that lost Lanyard together do not all come
// back at once. It never stops by itself.
func (c *Client) newBackOff() *backoff.ExponentialBackOff {
	return backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(c.cfg.MinBackoff),
		backoff.WithMaxInterval(c.cfg.MaxBackoff),
		backoff.WithRandomizationFactor(0.5),
		backoff.WithMultiplier(2),
		backoff.WithMaxElapsedTime(0),
	)
}

// session is one connection: hello, subscribe, then presence events and
// heartbeats until it fails.
func (c *Client) session(ctx context.Context) error {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	conn, _, err := websocket.Dial(dctx, c.cfg.URL, nil)
	cancel()
	if err != nil {
		return err
	}
	defer conn.CloseNow()
	conn.SetReadLimit(readLimit)

	ctx, stop := context.WithCancel(ctx)
	defer stop()
	errc := make(chan error, 1)
	beat := make(chan time.Duration, 1)
	go func() { errc <- c.heartbeat(ctx, conn, beat) }()

	subscribed, following := false, false
	for {
		select {
		case err := <-errc:
			return err
		default:
		}
		_, data, err := conn.Read(ctx)
		if err != nil {
			return err
		}
		st, err := read(data)
		if err != nil {
			c.skip(err)
			continue
		}
		if st.heartbeat > 0 {
			// The latest interval wins; only this goroutine sends.
			select {
			case <-beat:
			default:
			}
			beat <- st.heartbeat
		}
		if st.subscribe && !subscribed {
			// Once a connection: a hello sent again and again must not
			// have the node answer each one.
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := conn.Write(wctx, websocket.MessageText, c.initialize)
			cancel()
			if err != nil {
				return err
			}
			subscribed = true
		}
		if st.presence != nil {
			if !following {
				c.log.Info("following the Discord presence", "user", c.cfg.UserID)
				following = true
			}
			c.connected.Set(1)
			c.publish(st.presence)
		}
	}
}

// skip counts a message of no use and says so in the log, quietly.
func (c *Client) skip(err error) {
	c.skipped.Inc()
	c.skipLog.log(func(held int) {
		c.log.Warn("skipped a Lanyard message it cannot use", "err", err, "skipped_since_last_line", held)
	})
}

// heartbeat sends op 3 at the interval the hello gave, until ctx is done
// or a write fails.
func (c *Client) heartbeat(ctx context.Context, conn *websocket.Conn, interval <-chan time.Duration) error {
	var tick <-chan time.Time
	var t *time.Ticker
	defer func() {
		if t != nil {
			t.Stop()
		}
	}()
	msg := []byte(fmt.Sprintf(`{"op":%d}`, opHeartbeat))
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case d := <-interval:
			// read clamps d; clamp again, as a panic here would end the
			// whole node.
			d = min(max(d, MinHeartbeat), MaxHeartbeat)
			if t == nil {
				t = time.NewTicker(d)
				tick = t.C
			} else {
				t.Reset(d)
			}
		case <-tick:
			wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := conn.Write(wctx, websocket.MessageText, msg)
			cancel()
			if err != nil {
				conn.CloseNow() // ends the read in session
				return fmt.Errorf("heartbeat: %w", err)
			}
		}
	}
}

// publish hands b on unless it is what was handed on last.
func (c *Client) publish(b []byte) {
	c.mu.Lock()
	same := c.last != nil && bytes.Equal(b, c.last)
	c.last = b
	c.mu.Unlock()
	if !same && c.cfg.Publish != nil {
		c.cfg.Publish(b)
	}
}
