// Package presence follows the author's Discord presence through Lanyard's
// WebSocket (https://github.com/Phineas/lanyard): one connection per node,
// kept open with heartbeats at the interval Lanyard asks for, and opened
// again with back-off and jitter when it drops. Every change is handed on
// as the JSON the pages and GET /api/presence show.
package presence

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// Lanyard's opcodes.
const (
	opEvent      = 0
	opHello      = 1
	opInitialize = 2
	opHeartbeat  = 3
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

// lanyardPresence is Lanyard's presence object, the parts used.
type lanyardPresence struct {
	DiscordUser *struct {
		Username string `json:"username"`
	} `json:"discord_user"`
	DiscordStatus      string     `json:"discord_status"`
	Activities         []Activity `json:"activities"`
	ListeningToSpotify bool       `json:"listening_to_spotify"`
	Spotify            *Spotify   `json:"spotify"`
}

type message struct {
	Op int             `json:"op"`
	T  string          `json:"t,omitempty"`
	D  json.RawMessage `json:"d,omitempty"`
}

// Config is what a Client needs.
type Config struct {
	URL    string // Lanyard's WebSocket (BLOG_LANYARD_URL)
	UserID string // the Discord user followed (BLOG_DISCORD_USER_ID)
	// Publish receives every presence as JSON, the disconnected one too.
	Publish    func([]byte)
	Log        *slog.Logger
	Registerer prometheus.Registerer
	// MinBackoff and MaxBackoff bound the wait before reconnecting;
	// default 1 s and 1 min.
	MinBackoff, MaxBackoff time.Duration
}

// Client follows one Discord user's presence.
type Client struct {
	cfg        Config
	log        *slog.Logger
	connected  prometheus.Gauge
	reconnects prometheus.Counter

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
	c := &Client{
		cfg: cfg,
		log: cfg.Log.With("component", "lanyard"),
		connected: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "blog_lanyard_connected",
			Help: "1 while the node is connected to Lanyard and subscribed to the Discord user.",
		}),
		reconnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "blog_lanyard_reconnects_total",
			Help: "Connections to Lanyard opened again after one dropped or failed.",
		}),
	}
	if cfg.Registerer != nil {
		cfg.Registerer.MustRegister(c.connected, c.reconnects)
	}
	return c
}

// Metrics are the client's metrics.
type Metrics struct {
	Connected  prometheus.Gauge   // blog_lanyard_connected
	Reconnects prometheus.Counter // blog_lanyard_reconnects_total
}

// Metrics returns the client's metrics.
func (c *Client) Metrics() Metrics { return Metrics{Connected: c.connected, Reconnects: c.reconnects} }

// Run stays connected to Lanyard until ctx is done.
func (c *Client) Run(ctx context.Context) {
	c.set(Presence{Enabled: true, Status: "offline", Activities: []Activity{}})
	backoff := c.cfg.MinBackoff
	for {
		start := time.Now()
		err := c.session(ctx)
		c.connected.Set(0)
		if ctx.Err() != nil {
			return
		}
		c.set(Presence{Enabled: true, Status: "offline", Activities: []Activity{}})
		if time.Since(start) > time.Minute {
			backoff = c.cfg.MinBackoff // it was a good connection
		}
		// Half to one and a half times the back-off, so that nodes that
		// lost Lanyard together do not all come back at once.
		wait := backoff/2 + rand.N(backoff)
		c.log.Warn("Lanyard connection lost; reconnecting", "err", err, "in", wait.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		backoff = min(2*backoff, c.cfg.MaxBackoff)
		c.reconnects.Inc()
	}
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
	conn.SetReadLimit(1 << 20)

	ctx, stop := context.WithCancel(ctx)
	defer stop()
	errc := make(chan error, 1)
	beat := make(chan time.Duration, 1)
	go func() { errc <- c.heartbeat(ctx, conn, beat) }()

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
		var m message
		if err := json.Unmarshal(data, &m); err != nil {
			c.log.Warn("skipped a Lanyard message that does not parse", "err", err)
			continue
		}
		switch {
		case m.Op == opHello:
			var d struct {
				HeartbeatInterval int64 `json:"heartbeat_interval"`
			}
			if err := json.Unmarshal(m.D, &d); err != nil || d.HeartbeatInterval <= 0 {
				c.log.Warn("skipped a Lanyard hello without a heartbeat interval", "err", err)
				continue
			}
			select {
			case beat <- time.Duration(d.HeartbeatInterval) * time.Millisecond:
			default:
			}
			init, _ := json.Marshal(map[string]any{"op": opInitialize, "d": map[string]string{"subscribe_to_id": c.cfg.UserID}})
			if err := conn.Write(ctx, websocket.MessageText, init); err != nil {
				return err
			}
		case m.Op == opEvent && (m.T == "INIT_STATE" || m.T == "PRESENCE_UPDATE"):
			var lp lanyardPresence
			if err := json.Unmarshal(m.D, &lp); err != nil {
				c.log.Warn("skipped a Lanyard event that does not parse", "event", m.T, "err", err)
				continue
			}
			if m.T == "INIT_STATE" {
				c.log.Info("following the Discord presence", "user", c.cfg.UserID)
			}
			c.connected.Set(1)
			c.set(fromLanyard(lp))
		}
	}
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
			if t != nil {
				t.Stop()
			}
			t = time.NewTicker(d)
			tick = t.C
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

func fromLanyard(lp lanyardPresence) Presence {
	p := Presence{Enabled: true, Connected: true, Status: lp.DiscordStatus, Activities: lp.Activities}
	switch p.Status {
	case "online", "idle", "dnd", "offline":
	default:
		p.Status = "offline"
	}
	if lp.DiscordUser != nil {
		p.Username = lp.DiscordUser.Username
	}
	if p.Activities == nil {
		p.Activities = []Activity{}
	}
	if lp.ListeningToSpotify && lp.Spotify != nil {
		p.Spotify = lp.Spotify
	}
	return p
}

// set publishes p unless it is what was published last.
func (c *Client) set(p Presence) {
	b, err := json.Marshal(p)
	if err != nil {
		c.log.Error("encode the presence", "err", err)
		return
	}
	c.mu.Lock()
	same := c.last != nil && bytes.Equal(b, c.last)
	c.last = b
	c.mu.Unlock()
	if !same && c.cfg.Publish != nil {
		c.cfg.Publish(b)
	}
}
