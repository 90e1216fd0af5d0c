// Package gossip lets the nodes of a deployment find each other and share
// how many pages each has open, with hashicorp/memberlist: every node sends
// its own counts to the others when they change and sums theirs, and a node
// that stops or dies drops out of the sums. Each node also tells the others
// the port of its site (Peers), where the operator's cluster page asks them
// for their reports. Traffic is encrypted with a key derived from the
// deployment's shared secret; anything else is dropped.
//
// The gossip port must not be reachable from the internet: an address
// without a host (":7946") listens on loopback (127.0.0.1) only, never on
// every interface. Still, whoever reaches it is held to bounds (see
// transport.go, log.go and state.go). Without the key: at most 8 streams
// at once (more are closed at once), each read for at most the longest
// message a node sends (1.39 MiB for 5,000 readers) and for at most 5 s,
// and each kind of warning logged at most once a minute. With the key:
// counts no node could hold are dropped or cut to MaxPerNode per node,
// sums saturate rather than overflow, and metadata that is not a port is
// taken as none (peers.go).
package gossip

import (
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"blog/internal/live"

	"github.com/hashicorp/memberlist"
	"github.com/prometheus/client_golang/prometheus"
)

// Timings. A count reaches the other nodes within sendDelay plus a round
// trip; a node that dies is out of the sums within a few probe intervals
// (about 4 s with these settings, 15 s at worst).
const (
	sendDelay     = 200 * time.Millisecond // gathers a burst of changes into one message
	resolveEvery  = 30 * time.Second       // BLOG_PEERS looked up again
	retryAlone    = 5 * time.Second        // … and more often while no peer is joined
	joinLogEvery  = time.Minute            // a failing join is logged at most this often
	leaveTimeout  = 2 * time.Second
	pushPullEvery = 10 * time.Second // full exchange of counts, in case a message was lost
)

// Counts is the node's view of its readers: gossip reads the local counts
// when they change and hands back the other nodes' summed counts.
type Counts interface {
	LocalCounts() map[string]int
	LocalChanged() <-chan struct{}
	SetRemote(byPath map[string]int)
}

// Config is what Start needs.
type Config struct {
	// Addr is where the node gossips, host:port (BLOG_GOSSIP_ADDR). An
	// empty host means loopback (127.0.0.1), never every interface: to
	// reach other machines, name this one's private address.
	Addr string
	// Peers are host:port addresses, or DNS names (looked up again every
	// 30 s) whose addresses gossip on Addr's port (BLOG_PEERS).
	Peers []string
	// Secret is the deployment's shared secret (BLOG_FORWARD_SECRET); the
	// gossip key is derived from it.
	Secret string
	// Name names the node; default: the host name and a random suffix, new
	// at every start.
	Name   string
	Counts Counts
	// MaxPerNode is the most readers one node holds (BLOG_LIVE_MAX);
	// default live.DefaultMax. Counts from another node are cut to it, and
	// it sizes the longest message taken.
	MaxPerNode int
	// SitePort is the port this node serves the site on, told to the
	// others in its memberlist metadata, so that a node's cluster page can
	// ask the others for their reports (Peers); 0 tells none.
	SitePort int
	// Retry is how often unreachable peers are tried again while none is
	// joined; default 5 s. Once joined, they are looked up every 30 s.
	Retry      time.Duration
	Log        *slog.Logger
	Registerer prometheus.Registerer
}

// Gossip is this node's membership of the deployment.
type Gossip struct {
	cfg   Config
	log   *slog.Logger
	quiet *quietLog // warnings a peer can cause, rate-limited
	ml    *memberlist.Memberlist
	name  string
	// started orders this node's messages across restarts together with seq.
	started int64

	mu     sync.Mutex
	alive  map[string]bool      // the other nodes known to be alive
	states map[string]nodeState // the other nodes' latest counts
	seq    uint64               // of the last state this node sent

	stop chan struct{}
	done chan struct{}
}

// Key derives the 32-byte gossip key (AES-256) from the shared secret.
func Key(secret string) ([]byte, error) {
	if secret == "" {
		return nil, errors.New("gossip: the shared secret is empty")
	}
	return hkdf.Key(sha256.New, []byte(secret), nil, "replicated-notes gossip key v1", 32)
}

// Start joins the deployment's gossip and keeps the counts' remote part
// current until Close. Peers that cannot be reached now are retried; they
// never stop the node.
func Start(cfg Config) (*Gossip, error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	key, err := Key(cfg.Secret)
	if err != nil {
		return nil, err
	}
	host, portText, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("gossip address %q: %w", cfg.Addr, err)
	}
	port, err := strconv.Atoi(portText)
	if err != nil {
		return nil, fmt.Errorf("gossip address %q: bad port", cfg.Addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	ip, err := resolveOne(host)
	if err != nil {
		return nil, fmt.Errorf("gossip address %q: %w", cfg.Addr, err)
	}
	log := cfg.Log.With("component", "gossip")
	g := &Gossip{
		cfg:     cfg,
		log:     log,
		quiet:   newQuietLog(log),
		name:    cfg.Name,
		started: time.Now().UnixNano(),
		alive:   map[string]bool{},
		states:  map[string]nodeState{},
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	if err := g.create(ip, port, key); err != nil {
		return nil, fmt.Errorf("start gossip on %s: %w", cfg.Addr, err)
	}
	if cfg.Registerer != nil {
		cfg.Registerer.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "blog_gossip_members",
			Help: "Nodes this node sees alive in the gossip, itself included.",
		}, func() float64 { return float64(g.ml.NumMembers()) }))
	}
	g.log.Info("gossiping", "addr", g.Addr(), "name", cfg.Name, "peers", cfg.Peers)
	go g.run()
	return g, nil
}

// withDefaults fills what cfg leaves out and checks the node's name.
func withDefaults(cfg Config) (Config, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Retry <= 0 {
		cfg.Retry = retryAlone
	}
	if cfg.MaxPerNode <= 0 {
		cfg.MaxPerNode = live.DefaultMax
	}
	if cfg.Name == "" {
		h, _ := os.Hostname()
		var b [4]byte
		_, _ = rand.Read(b[:])
		cfg.Name = h + "-" + hex.EncodeToString(b[:])
	}
	if len(cfg.Name) > maxNodeName {
		return cfg, fmt.Errorf("gossip: node name is longer than %d bytes", maxNodeName)
	}
	return cfg, nil
}

// create listens on ip:port through the bounded transport (transport.go)
// and starts memberlist on it, with the deployment's key.
func (g *Gossip) create(ip string, port int, key []byte) error {
	logger := newLogger(g.quiet)
	t, err := listen(ip, port, maxStreamBytes(g.cfg.MaxPerNode), logger, func(from net.Addr) {
		g.quiet.warn("closed a gossip connection: too many open at once", "from", from.String(), "max", maxStreams)
	})
	if err != nil {
		return err
	}
	port = t.GetAutoBindPort()
	mc := memberlist.DefaultLANConfig()
	mc.Name = g.cfg.Name
	mc.Transport = t
	mc.BindAddr = ip
	mc.BindPort, mc.AdvertisePort = port, port
	// Uncompressed, a message is never longer than maxStateBytes says.
	mc.EnableCompression = false
	mc.SecretKey = key
	mc.GossipVerifyIncoming, mc.GossipVerifyOutgoing = true, true
	mc.Delegate = (*delegate)(g)
	mc.Events = (*events)(g)
	mc.Logger = logger
	// Out of the sums within 15 s of dying: probe every second, suspect
	// for two probe rounds, and never back off more than three times.
	mc.ProbeInterval = time.Second
	mc.ProbeTimeout = 500 * time.Millisecond
	mc.SuspicionMult = 2
	mc.AwarenessMaxMultiplier = 3
	mc.PushPullInterval = pushPullEvery
	mc.TCPTimeout = streamTimeout
	ml, err := memberlist.Create(mc)
	if err != nil {
		t.Shutdown()
		return err
	}
	g.ml = ml
	return nil
}

// Members is how many nodes this node sees alive, itself included.
func (g *Gossip) Members() int { return g.ml.NumMembers() }

// Close leaves the gossip, so that the others drop this node's counts at
// once, and stops.
func (g *Gossip) Close() error {
	select {
	case <-g.stop:
		return nil
	default:
	}
	close(g.stop)
	<-g.done
	if err := g.ml.Leave(leaveTimeout); err != nil {
		g.log.Warn("leaving the gossip", "err", err)
	}
	return g.ml.Shutdown()
}

// run joins the peers and sends this node's counts when they change.
func (g *Gossip) run() {
	defer close(g.done)
	var lastJoinLog time.Time
	join := func() time.Duration {
		n, err := g.join()
		if err != nil && time.Since(lastJoinLog) >= joinLogEvery {
			g.log.Warn("cannot join the peers; trying again", "peers", g.cfg.Peers, "err", err)
			lastJoinLog = time.Now()
		}
		if n == 0 && g.ml.NumMembers() <= 1 {
			return g.cfg.Retry
		}
		return resolveEvery
	}
	joinTimer := time.NewTimer(join())
	defer joinTimer.Stop()
	var send <-chan time.Time
	for {
		select {
		case <-g.stop:
			return
		case <-joinTimer.C:
			joinTimer.Reset(join())
		case <-g.cfg.Counts.LocalChanged():
			if send == nil {
				send = time.After(sendDelay)
			}
		case <-send:
			send = nil
			g.broadcast()
		}
	}
}

// join looks the peers up and joins those not yet members. It returns how
// many it joined.
func (g *Gossip) join() (int, error) {
	known := map[string]bool{}
	for _, m := range g.ml.Members() {
		known[net.JoinHostPort(m.Addr.String(), strconv.Itoa(int(m.Port)))] = true
	}
	_, ownPort, _ := net.SplitHostPort(g.cfg.Addr)
	var addrs []string
	var errs []error
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, p := range g.cfg.Peers {
		host, port, err := net.SplitHostPort(p)
		if err != nil {
			host, port = p, ownPort // a DNS name: every address, on our port
		}
		ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, ip := range ips {
			a := net.JoinHostPort(ip.IP.String(), port)
			if !known[a] {
				addrs = append(addrs, a)
			}
		}
	}
	if len(addrs) == 0 {
		return 0, errors.Join(errs...)
	}
	n, err := g.ml.Join(addrs)
	if err != nil && n > 0 {
		err = nil // some peers answered: the rest are down or are us
	}
	if n > 0 {
		g.log.Info("joined peers", "contacted", n, "members", g.ml.NumMembers())
	}
	return n, errors.Join(append(errs, err)...)
}

// localState is this node's counts as a message, held to the bounds the
// other nodes hold it to.
func (g *Gossip) localState() []byte {
	counts := clampCounts(g.cfg.Counts.LocalCounts(), g.cfg.MaxPerNode)
	g.mu.Lock()
	g.seq++
	st := nodeState{Node: g.name, Started: g.started, Seq: g.seq, Counts: counts}
	g.mu.Unlock()
	return encodeState(st)
}

// broadcast sends this node's counts to every other node, over TCP: a
// message of any size, delivered at once.
func (g *Gossip) broadcast() {
	msg := g.localState()
	for _, m := range g.ml.Members() {
		if m.Name == g.name {
			continue
		}
		if err := g.ml.SendReliable(m, msg); err != nil {
			g.log.Debug("send counts", "to", m.Name, "err", err)
		}
	}
}

// merge takes another node's counts, if newer than those held, and
// publishes the new sums.
func (g *Gossip) merge(b []byte) {
	st, err := decodeState(b, g.cfg.MaxPerNode)
	if err != nil {
		g.quiet.warn("dropped a gossip message", "err", err, "bytes", len(b))
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if st.Node == g.name || !g.alive[st.Node] {
		return // ours, or from a node that has left: its counts are gone
	}
	if old, ok := g.states[st.Node]; ok && !st.newerThan(old) {
		return
	}
	g.states[st.Node] = st
	g.publish()
}

// publish hands the sums of the other nodes' counts to Counts; g.mu is held.
func (g *Gossip) publish() {
	g.cfg.Counts.SetRemote(sumCounts(g.states))
}

// delegate is the Gossip as memberlist's Delegate.
type delegate Gossip

func (d *delegate) NodeMeta(limit int) []byte                  { return encodeMeta(d.cfg.SitePort, limit) }
func (d *delegate) NotifyMsg(b []byte)                         { (*Gossip)(d).merge(b) }
func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte { return nil }
func (d *delegate) LocalState(bool) []byte                     { return (*Gossip)(d).localState() }
func (d *delegate) MergeRemoteState(b []byte, _ bool)          { (*Gossip)(d).merge(b) }

// events is the Gossip as memberlist's EventDelegate.
type events Gossip

func (e *events) NotifyJoin(n *memberlist.Node) {
	g := (*Gossip)(e)
	if n.Name == g.name {
		return
	}
	g.mu.Lock()
	g.alive[n.Name] = true
	g.mu.Unlock()
	g.log.Info("node joined", "node", n.Name, "addr", n.Address())
	// The newcomer learns our counts now rather than at the next change.
	go func() {
		if err := g.ml.SendReliable(n, g.localState()); err != nil {
			g.log.Debug("send counts", "to", n.Name, "err", err)
		}
	}()
}

func (e *events) NotifyLeave(n *memberlist.Node) {
	g := (*Gossip)(e)
	g.mu.Lock()
	delete(g.alive, n.Name)
	_, had := g.states[n.Name]
	delete(g.states, n.Name)
	if had {
		g.publish()
	}
	g.mu.Unlock()
	g.log.Info("node left", "node", n.Name, "addr", n.Address())
}

func (e *events) NotifyUpdate(*memberlist.Node) {}

// resolveOne returns host as an IP address, looking a name up.
func resolveOne(host string) (string, error) {
	if ip := net.ParseIP(host); ip != nil {
		return ip.String(), nil
	}
	ips, err := net.LookupIP(host)
	if err != nil {
		return "", err
	}
	if len(ips) == 0 {
		return "", fmt.Errorf("%s has no address", host)
	}
	return ips[0].String(), nil
}

// Addr is the address the node gossips on, as the others reach it.
func (g *Gossip) Addr() string {
	n := g.ml.LocalNode()
	return net.JoinHostPort(n.Addr.String(), strconv.Itoa(int(n.Port)))
}
