package litefs

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"

	"blog"
	"blog/internal/httperr"
	"blog/internal/repo"
)

// MiddlewareName names the forwarder in the write chain, and in
// repo.Result.HaltedBy for the writes it carried to the primary.
const MiddlewareName = "litefs.forward"

// Defaults and bounds of forwarding.
const (
	// The caller is promised an answer within 10 s; the forward gets 9 of
	// them, the rest of the request the last one.
	DefaultForwardTimeout = 9 * time.Second

	// The waits between attempts (see newBackOff): short at first, since
	// a new primary is usually named within a second, and never so long
	// that the time left is spent waiting.
	backoffFirst = 25 * time.Millisecond
	backoffMax   = time.Second
	maxAnswer    = 4 << 20 // bytes of the primary's answer read at most
)

// ForwarderConfig holds what a Forwarder needs.
type ForwarderConfig struct {
	Node    *Node
	Secret  string        // BLOG_FORWARD_SECRET, shared by every node
	Port    string        // BLOG_FORWARD_PORT: the primary's port for forwarded writes
	Client  *http.Client  // default: a client of its own
	Log     *slog.Logger  // default: slog.Default()
	Metrics *Metrics      // may be nil
	Timeout time.Duration // for a whole forwarded write, retries included; default DefaultForwardTimeout
}

// Forwarder carries a replica's writes to the primary. Its middleware sends
// them; its Handler receives them on the primary.
type Forwarder struct {
	node    *Node
	signer  *Signer
	port    string
	client  *http.Client
	log     *slog.Logger
	metrics *Metrics
	timeout time.Duration
}

// NewForwarder returns a Forwarder configured by cfg.
func NewForwarder(cfg ForwarderConfig) *Forwarder {
	f := &Forwarder{
		node:    cfg.Node,
		signer:  NewSigner(cfg.Secret),
		port:    strings.TrimPrefix(cfg.Port, ":"),
		client:  cfg.Client,
		log:     cfg.Log,
		metrics: cfg.Metrics,
		timeout: cfg.Timeout,
	}
	if f.client == nil {
		f.client = &http.Client{}
	}
	if f.log == nil {
		f.log = slog.Default()
	}
	if f.timeout <= 0 {
		f.timeout = DefaultForwardTimeout
	}
	return f
}

// forwardedCtx marks the context of a write that arrived through the
// endpoint, so that it is never forwarded again.
type forwardedCtx struct{}

func withForwarded(ctx context.Context) context.Context {
	return context.WithValue(ctx, forwardedCtx{}, true)
}

func isForwarded(ctx context.Context) bool {
	v, _ := ctx.Value(forwardedCtx{}).(bool)
	return v
}

func errNotPrimary() error {
	return &blog.Error{Code: blog.ENOTPRIMARY, Message: "This server is no longer the primary."}
}

// Middleware returns the before-middleware that, on a replica, runs each
// write on the primary instead of here and halts the chain with the
// primary's answer. On a primary or standalone node it lets the write go on.
//
// The role is read at the start of every write, from the event stream's
// memory while it is up, so a primaryChange applies to the very next
// write. A write already under way when the lease moves is not lost and
// does not happen twice:
//
//   - Forwarded to a node that has just lost the lease: that node's chain
//     refuses it as not_primary (421) if it knows, or LiteFS refuses its
//     commit and it answers 500 with nothing recorded. Either way the
//     replica retries with the same idempotency key, reading the role
//     again, and the new primary runs it once (TestWriteRacingAPrimaryChange).
//   - Run here by a primary that loses the lease before committing: LiteFS
//     refuses the commit, the transaction rolls back, and the caller gets
//     an error with nothing written; a retry reaches the new primary.
//   - Committed here just before the lease moved: the ledger's key is in
//     the same transaction, which LiteFS replicates to the next primary, so
//     a retry there is answered from the ledger.
//   - Waiting on a replica whose primary vanishes: the forward retries until
//     a primary is named and answers, or returns 503 unavailable after
//     DefaultForwardTimeout with nothing written by this node.
func (f *Forwarder) Middleware() repo.Middleware {
	return repo.Middleware{Name: MiddlewareName, Before: f.before}
}

func (f *Forwarder) before(ctx context.Context, op *repo.Op) *repo.Result {
	role, _, err := f.node.Role()
	if err != nil {
		// Guessing could mean writing to a read-only replica; refuse instead.
		return &repo.Result{Err: fmt.Errorf("%s: %w", op.Name, err)}
	}
	if role != Replica {
		return nil
	}
	if isForwarded(ctx) {
		// The node lost the lease after the endpoint let this write in.
		// Passing it on could bounce it between two nodes that each take the
		// other for the primary; the sender retries with the new one instead.
		return &repo.Result{Err: errNotPrimary()}
	}
	if op.Key == "" {
		// A key of its own makes every retry of this write the same write
		// to the primary's ledger, so it takes effect once.
		op.Key = rand.Text()
	}
	return f.forward(ctx, *op)
}

// trip is one forwarded write, from the first attempt to the answer.
type trip struct {
	op       repo.Op
	start    time.Time
	attempts int
	primary  string // the primary asked last
	lastErr  error  // why the last attempt failed
}

func (t *trip) attrs() []any {
	return []any{"op", t.op.Name, "key", t.op.Key, "attempts", t.attempts, "primary", t.primary}
}

// forward sends op to the primary until it answers, the primary's answer is
// final, or the time is up. Every attempt reads .primary again because the
// lease can move while we retry.
func (f *Forwarder) forward(ctx context.Context, op repo.Op) *repo.Result {
	t := &trip{op: op, start: time.Now()}
	body, err := json.Marshal(op)
	if err != nil {
		return &repo.Result{Err: fmt.Errorf("encode %s for the primary: %w", op.Name, err)}
	}
	if len(body) > MaxForwardBody {
		return &repo.Result{Err: blog.Errorf(blog.ETOOLARGE,
			"The write is %d bytes; at most %d can be sent to the primary.", len(body), MaxForwardBody)}
	}

	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	res, err := backoff.RetryWithData(func() (*repo.Result, error) {
		res, err := f.attempt(ctx, t, body)
		if err != nil {
			t.lastErr = err
		}
		return res, err
	}, backoff.WithContext(newBackOff(backoffFirst, backoffMax), ctx))
	if err != nil {
		return f.unavailable(ctx, t)
	}
	return res
}

// attempt sends the write to the primary LiteFS names now. It returns the
// write's result once that is settled, nil when the write is to run here
// after all, and an error when another attempt is worth making.
func (f *Forwarder) attempt(ctx context.Context, t *trip, body []byte) (*repo.Result, error) {
	t.attempts++
	if t.attempts > 1 {
		f.metrics.retried()
	}
	role, primary, err := f.node.Role()
	switch {
	case err != nil:
		return nil, err
	case role != Replica:
		// The lease came here while we were retrying: the write can run
		// locally, and the ledger still keeps it to one effect.
		t.attempts--
		f.log.Info("write not forwarded: this node became primary", t.attrs()...)
		return nil, nil
	case primary == "":
		return nil, errors.New("LiteFS has not named the primary yet")
	}
	t.primary = primary
	ans, retry, err := f.send(ctx, primary, body)
	switch {
	case err == nil:
		return f.answered(ctx, t, ans), nil
	case !retry:
		return f.refused(ctx, t, err), nil
	}
	return nil, err
}

// answer is the primary's 200 answer to a forwarded write.
type answer struct {
	Value    json.RawMessage `json:"value"`
	Error    *blog.Error     `json:"error"`
	Replayed bool            `json:"replayed"`
	TXID     string          `json:"txid"`
}

// send makes one attempt. It reports whether a failure is worth another
// attempt: one that may not have reached the primary's ledger, or that
// reached a node no longer primary.
func (f *Forwarder) send(ctx context.Context, primary string, body []byte) (ans *answer, retry bool, err error) {
	// One attempt may use a third of the time, so that a primary that
	// vanished without closing its connections leaves time to find the next.
	ctx, cancel := context.WithTimeout(ctx, f.timeout/3)
	defer cancel()

	url := "http://" + net.JoinHostPort(primary, f.port) + ForwardPath
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, true, fmt.Errorf("request to %s: %w", url, err)
	}
	req.Header.Set("Content-Type", "application/json")
	f.signer.Sign(req, body)

	resp, err := f.client.Do(req)
	if err != nil {
		return nil, true, fmt.Errorf("post to %s: %w", url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return nil, true, fmt.Errorf("read answer of %s: %w", url, err)
	}

	if resp.StatusCode == http.StatusOK {
		a, err := parseAnswer(raw)
		if err != nil {
			return nil, false, fmt.Errorf("answer of %s: %w", url, err)
		}
		return a, false, nil
	}
	refused := parseError(raw) // read once, for the decision and the log
	if resp.StatusCode == httperr.Status(blog.ENOTPRIMARY) || resp.StatusCode >= 500 {
		return nil, true, fmt.Errorf("%s answered %s%s", url, resp.Status, errorText(refused))
	}
	return nil, false, refusal(url, resp, refused)
}

// parseAnswer reads the primary's 200 answer.
func parseAnswer(raw []byte) (*answer, error) {
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if a.TXID != "" {
		if _, err := ParseTXID(a.TXID); err != nil {
			return nil, err
		}
	}
	return &a, nil
}

// parseError is the error of an answer in the API's error shape,
// {"error":{"code","message"}}, and nil for any other body (a proxy's
// page, say).
func parseError(raw []byte) *blog.Error {
	var body struct{ Error *blog.Error }
	if json.Unmarshal(raw, &body) != nil {
		return nil
	}
	return body.Error
}

// refusal turns a 4xx answer into an error. Malformed or oversized writes
// are the caller's to fix and keep their code; a refused signature is a
// configuration fault of the cluster, an internal error to the caller.
func refusal(url string, resp *http.Response, refused *blog.Error) error {
	if refused != nil && (refused.Code == blog.EBADREQUEST || refused.Code == blog.ETOOLARGE) {
		return refused
	}
	err := fmt.Errorf("%s refused the forwarded write: %s%s", url, resp.Status, errorText(refused))
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		err = fmt.Errorf("%w (do all nodes share BLOG_FORWARD_SECRET, with clocks in sync?)", err)
	}
	return err
}

// errorText is the refusal's code and message, for logs.
func errorText(refused *blog.Error) string {
	if refused == nil {
		return ""
	}
	return ": " + refused.Error()
}

// answered turns the primary's answer into the write's result, once this
// replica has replicated the transaction the primary reported, so that the
// caller's next read here sees its write.
func (f *Forwarder) answered(ctx context.Context, t *trip, a *answer) *repo.Result {
	latency := time.Since(t.start)
	var txid uint64
	if a.TXID != "" {
		txid, _ = ParseTXID(a.TXID) // checked by send
	}
	waitStart := time.Now()
	waitErr := f.node.waitForTXID(ctx, txid)
	wait := time.Since(waitStart)

	res := &repo.Result{Value: a.Value, Replayed: a.Replayed}
	outcome := OutcomeOK
	if a.Error != nil {
		res.Value, res.Err, outcome = nil, a.Error, OutcomeError
	}
	f.metrics.forwardedWrite(outcome, latency, wait)

	attrs := append(t.attrs(), "txid", a.TXID, "outcome", outcome)
	if res.Err != nil {
		attrs = append(attrs, "code", blog.ErrorCode(res.Err))
	}
	attrs = append(attrs, "replayed", a.Replayed, "wait", wait, "duration", time.Since(t.start))
	if waitErr != nil {
		// The write is done; failing it now would invite a retry the user
		// cannot tell apart from a new write. Say it was slow instead.
		f.log.Warn("write forwarded; replication did not catch up in time", append(attrs, "err", waitErr)...)
		return res
	}
	f.log.Info("write forwarded", attrs...)
	return res
}

// refused ends a trip the primary answered with a final refusal.
func (f *Forwarder) refused(ctx context.Context, t *trip, err error) *repo.Result {
	f.metrics.forwardedWrite(OutcomeError, time.Since(t.start), 0)
	level := slog.LevelError
	var be *blog.Error
	if errors.As(err, &be) {
		level = slog.LevelInfo // the caller's own mistake, told to the caller
	}
	f.log.Log(ctx, level, "write forwarded; primary refused it",
		append(t.attrs(), "outcome", OutcomeError, "code", blog.ErrorCode(err), "duration", time.Since(t.start), "err", err)...)
	return &repo.Result{Err: err}
}

// unavailable ends a trip that ran out of time.
func (f *Forwarder) unavailable(ctx context.Context, t *trip) *repo.Result {
	f.metrics.forwardedWrite(OutcomeUnavailable, time.Since(t.start), 0)
	f.log.Log(ctx, slog.LevelWarn, "write not forwarded: primary unreachable",
		append(t.attrs(), "outcome", OutcomeUnavailable, "duration", time.Since(t.start), "err", t.lastErr)...)
	return &repo.Result{Err: blog.Errorf(blog.EUNAVAILABLE,
		"The primary server could not be reached, so the write could not be completed. Try again in a moment.")}
}
