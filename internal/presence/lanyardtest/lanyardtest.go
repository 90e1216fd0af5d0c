// Package lanyardtest is a stand-in for Lanyard's WebSocket in tests. It
// speaks Lanyard's protocol: hello with a heartbeat interval, Initialize
// with subscribe_to_id, INIT_STATE, PRESENCE_UPDATE and heartbeats, and it
// can drop its connections the way a restarting Lanyard does. It can also
// play a broken or hostile Lanyard: send any hello and any message as
// they are, or hang up on every connection as soon as it is accepted.
package lanyardtest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Server is a Lanyard stand-in.
type Server struct {
	URL string // ws://…

	srv *httptest.Server

	mu          sync.Mutex
	hello       string // the hello a new connection gets, JSON
	hangUp      bool   // close new connections at once
	state       string // the presence INIT_STATE sends, JSON
	conns       map[*websocket.Conn]context.CancelFunc
	connections int
	heartbeats  int
	subscribed  []string
}

// New starts a stand-in that asks for heartbeats every interval and sends
// state as the presence of whoever subscribes.
func New(t testing.TB, interval time.Duration, state string) *Server {
	hello, _ := json.Marshal(map[string]any{"op": 1, "d": map[string]any{"heartbeat_interval": interval.Milliseconds()}})
	s := &Server{hello: string(hello), state: state, conns: map[*websocket.Conn]context.CancelFunc{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.handle))
	s.URL = "ws" + strings.TrimPrefix(s.srv.URL, "http")
	t.Cleanup(func() { s.Drop(); s.srv.Close() })
	return s
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	s.mu.Lock()
	s.connections++
	hello, hangUp := s.hello, s.hangUp
	if !hangUp {
		s.conns[c] = cancel
	}
	s.mu.Unlock()
	if hangUp {
		return
	}
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()

	if c.Write(ctx, websocket.MessageText, []byte(hello)) != nil {
		return
	}
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		var m struct {
			Op int `json:"op"`
			D  struct {
				SubscribeToID string `json:"subscribe_to_id"`
			} `json:"d"`
		}
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		switch m.Op {
		case 2:
			s.mu.Lock()
			s.subscribed = append(s.subscribed, m.D.SubscribeToID)
			state := s.state
			s.mu.Unlock()
			if c.Write(ctx, websocket.MessageText, []byte(`{"op":0,"seq":1,"t":"INIT_STATE","d":`+state+`}`)) != nil {
				return
			}
		case 3:
			s.mu.Lock()
			s.heartbeats++
			s.mu.Unlock()
		}
	}
}

// SetHello makes msg, as it is, the hello that new connections get
// instead of one with the interval New was given.
func (s *Server) SetHello(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hello = msg
}

// HangUp makes the stand-in close every new connection as soon as it has
// accepted it, before the hello, while on is true.
func (s *Server) HangUp(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hangUp = on
}

// Update makes state the presence and sends it as PRESENCE_UPDATE to
// every open connection.
func (s *Server) Update(state string) {
	s.mu.Lock()
	s.state = state
	s.mu.Unlock()
	s.Send(`{"op":0,"seq":2,"t":"PRESENCE_UPDATE","d":` + state + `}`)
}

// Send sends msg as it is to every open connection.
func (s *Server) Send(msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = c.Write(ctx, websocket.MessageText, []byte(msg))
		cancel()
	}
}

// Drop ends every open connection without a word.
func (s *Server) Drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c, cancel := range s.conns {
		c.CloseNow()
		cancel()
	}
}

// Stats says how many connections were made, how many heartbeats
// arrived, and which user ids were subscribed to.
func (s *Server) Stats() (connections, heartbeats int, subscribed []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connections, s.heartbeats, append([]string(nil), s.subscribed...)
}
