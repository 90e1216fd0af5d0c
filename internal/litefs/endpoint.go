package litefs

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"blog"
	"blog/internal/httperr"
	"blog/internal/repo"
)

// ForwardPath is where the primary receives forwarded writes.
const ForwardPath = "/internal/forward"

// MaxForwardBody is the largest forwarded write accepted, in bytes.
const MaxForwardBody = 64 << 10

// Handler returns the endpoint, for POST ForwardPath, that runs forwarded
// writes through r's chain, so that the ledger keeps each to one effect.
// Only the operations named in forwardable run there: the writes a replica
// passes on for its users (tag edits). Every other operation, registered or
// not, is refused as a bad request, so that the forward secret is no key to the
// rest of the chain (an import's posts.upsert, which stores HTML this
// node renders itself, among them).
//
// The request is an Op as JSON, {"name","args","key"}, signed with the
// shared secret (see Signer). A refusal is answered with the status of its
// code (blog.HTTPStatus) and {"error":{"code","message"}}: 413 too_large, 401 unauthorized
// (unsigned or wrong signature), 403 forbidden (stale timestamp), 421
// not_primary, 400 bad_request (malformed JSON, unknown operation, no key),
// 500 internal. Anything else is answered 200, domain errors included, so
// that a conflict is never mistaken for a failed transport:
//
//	{"value":…,"error":{"code","message","field"}|null,"replayed":bool,"txid":"%016x"}
//
// where txid is this node's replication position after the write committed.
func (f *Forwarder) Handler(r *repo.Repo, forwardable ...string) http.Handler {
	allowed := map[string]bool{}
	for _, name := range forwardable {
		allowed[name] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		op, err := f.receive(w, req)
		switch {
		case err != nil:
		case !allowed[op.Name] || !r.Has(op.Name):
			f.log.Warn("forwarded write refused", "remote", req.RemoteAddr, "op", op.Name, "err", "not forwardable")
			err = blog.Errorf(blog.EBADREQUEST, "Operation %q is not accepted from other nodes.", op.Name)
		case op.Key == "":
			// Without a key a retried forward could take effect twice.
			err = blog.Errorf(blog.EBADREQUEST, "A forwarded write must carry an idempotency key.")
		}
		if err != nil {
			writeError(w, err)
			return
		}

		// The chain's forwarder looks up the role as it does for every
		// write; marked as forwarded, the write is refused on a replica
		// instead of being passed on.
		res := r.Do(withForwarded(req.Context()), op)
		if blog.ErrorCode(res.Err) == blog.ENOTPRIMARY {
			writeError(w, res.Err)
			return
		}
		var be *blog.Error
		if res.Err != nil && !errors.As(res.Err, &be) {
			// Nothing was recorded; the replica's retry may well succeed,
			// on this node or on the next primary.
			f.internalError(w, req, op.Name, res.Err)
			return
		}

		// Read after the commit: the replica waits for at least this
		// position, which includes the write.
		pos, err := f.node.Pos()
		if err != nil {
			// The write is committed; the replica's retry is answered from
			// the ledger.
			f.internalError(w, req, op.Name, err)
			return
		}
		a := answer{Value: res.Value, Replayed: res.Replayed, TXID: FormatTXID(pos.TXID)}
		if res.Err != nil {
			a.Value, a.Error = nil, be
		}
		writeJSON(w, http.StatusOK, a)
	})
}

// receive reads a forwarded write: its body, within MaxForwardBody, then
// the signature, checked before anything else looks at the body, then the
// operation.
func (f *Forwarder) receive(w http.ResponseWriter, req *http.Request) (repo.Op, error) {
	var op repo.Op
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, MaxForwardBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return op, blog.Errorf(blog.ETOOLARGE, "A forwarded write may be at most %d bytes.", MaxForwardBody)
		}
		return op, blog.Errorf(blog.EBADREQUEST, "The request body could not be read.")
	}
	if err := f.signer.Verify(req, body); err != nil {
		f.log.Warn("forwarded write refused", "remote", req.RemoteAddr, "err", err)
		return op, err
	}
	if err := json.Unmarshal(body, &op); err != nil {
		return op, blog.Errorf(blog.EBADREQUEST, "The forwarded write is not valid JSON: %v.", err)
	}
	return op, nil
}

func (f *Forwarder) internalError(w http.ResponseWriter, req *http.Request, op string, err error) {
	f.log.Error("forwarded write failed", "remote", req.RemoteAddr, "op", op, "err", err)
	writeError(w, blog.Errorf(blog.EINTERNAL, "Internal error."))
}

// writeError answers a refusal this endpoint makes itself. Domain errors
// never get here: they travel in a 200, so that a conflict is never taken
// for a failed transport.
func writeError(w http.ResponseWriter, err error) {
	code := blog.ErrorCode(err)
	writeJSON(w, httperr.Status(code), map[string]any{
		"error": map[string]string{"code": code, "message": blog.ErrorMessage(err)},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
