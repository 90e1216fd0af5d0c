package gossip

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode"
	"unicode/utf8"

	"blog/internal/live"
)

// nodeState is one node's counts as sent: the message between nodes.
type nodeState struct {
	Node    string         `json:"node"`
	Started int64          `json:"started"`
	Seq     uint64         `json:"seq"`
	Counts  map[string]int `json:"counts"`
}

func (s nodeState) newerThan(o nodeState) bool {
	return s.Started > o.Started || s.Started == o.Started && s.Seq > o.Seq
}

// Bounds of a message. A node holds at most maxPerNode readers, each on one
// page whose path is at most live.MaxPath bytes, so its counts name at most
// maxPerNode paths and sum to at most maxPerNode. Anything beyond that did
// not come from a node of this deployment, key or not.
const (
	// maxNodeName is the longest node name accepted: a host name (at most
	// 255 bytes) and a suffix.
	maxNodeName = 300
	// stateEnvelope is the most a message takes besides its counts: the
	// node's name escaped at worst six bytes a byte, two 20-digit numbers
	// and the field names.
	stateEnvelope = 6*maxNodeName + 200
)

// maxStateBytes is the longest message a node holding at most maxPerNode
// readers sends: each path costs its bytes, its quotes, a colon, a comma
// and the digits of a count of at most maxPerNode. Paths are never escaped
// (see plausiblePath and encodeState), so that is exact, not a guess.
// For live.DefaultMax readers it is 5000 × 264 + 2,000 = 1,322,000 bytes.
func maxStateBytes(maxPerNode int) int {
	perPath := len(`"":,`) + live.MaxPath + len(strconv.Itoa(maxPerNode))
	if maxPerNode > (math.MaxInt32-stateEnvelope)/perPath {
		return math.MaxInt32 // a limit no one sets; memberlist caps at 20 MiB anyway
	}
	return stateEnvelope + maxPerNode*perPath
}

// plausiblePath reports whether p could be the path of a page a reader has
// open: what the live endpoint admits, printable, and with nothing JSON
// would escape, so that a path costs exactly its bytes in a message.
func plausiblePath(p string) bool {
	if p == "" || p[0] != '/' || len(p) > live.MaxPath || !utf8.ValidString(p) {
		return false
	}
	for _, r := range p {
		if !unicode.IsPrint(r) || r == '"' || r == '\\' || r == '?' || r == '#' {
			return false
		}
	}
	return true
}

// errTooLarge and errNoNode refuse a message whole.
var (
	errTooLarge = errors.New("message is longer than any node sends")
	errNoNode   = errors.New("message names no node, or a name too long")
)

// decodeState reads one node's message and clamps its counts to what a
// node can hold (see clampCounts). A message longer than a node sends, or
// one that does not parse, is refused whole; counts that cannot be true
// are dropped or cut, so that the rest still counts.
func decodeState(b []byte, maxPerNode int) (nodeState, error) {
	if len(b) > maxStateBytes(maxPerNode) {
		return nodeState{}, fmt.Errorf("%w: %d bytes", errTooLarge, len(b))
	}
	var raw struct {
		Node    string          `json:"node"`
		Started int64           `json:"started"`
		Seq     uint64          `json:"seq"`
		Counts  json.RawMessage `json:"counts"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nodeState{}, err
	}
	if raw.Node == "" || len(raw.Node) > maxNodeName {
		return nodeState{}, errNoNode
	}
	counts, err := decodeCounts(raw.Counts, maxPerNode)
	if err != nil {
		return nodeState{}, err
	}
	return nodeState{Node: raw.Node, Started: raw.Started, Seq: raw.Seq, Counts: counts}, nil
}

// decodeCounts reads a JSON object of path → count token by token, keeping
// only what clampCounts would keep, so that a message of a million tiny
// entries never becomes a map of a million entries.
func decodeCounts(b json.RawMessage, maxPerNode int) (map[string]int, error) {
	counts := map[string]int{}
	if len(b) == 0 || string(b) == "null" {
		return counts, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("counts are not an object: %v", err)
	}
	left := maxPerNode
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		path, _ := t.(string) // keys of an object are always strings
		t, err = dec.Token()
		if err != nil {
			return nil, err
		}
		num, ok := t.(json.Number)
		if !ok {
			return nil, fmt.Errorf("count of %.40q is not a number", path)
		}
		n, err := strconv.ParseInt(string(num), 10, strconv.IntSize)
		switch {
		case errors.Is(err, strconv.ErrRange) && n > 0:
			n = math.MaxInt // absurdly many: as many as may be, below
		case err != nil && !errors.Is(err, strconv.ErrRange):
			return nil, fmt.Errorf("count of %.40q: %w", path, err)
		}
		if n <= 0 || left == 0 || !plausiblePath(path) {
			continue
		}
		take := min(int(n), left)
		counts[path] += take
		left -= take
	}
	return counts, nil
}

// clampCounts keeps the counts a node could hold: positive counts of
// plausible paths, summing to at most maxPerNode (paths after the budget
// is spent are dropped; a node never sends such counts, so which ones go
// does not matter).
func clampCounts(in map[string]int, maxPerNode int) map[string]int {
	out := make(map[string]int, min(len(in), maxPerNode))
	left := maxPerNode
	for p, n := range in {
		if n <= 0 || left == 0 || !plausiblePath(p) {
			continue
		}
		take := min(n, left)
		out[p] = take
		left -= take
	}
	return out
}

// encodeState writes a message without escaping '<', '>' and '&', so that
// it is never longer than maxStateBytes.
func encodeState(st nodeState) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(st) // a struct of strings and numbers always encodes
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// sumCounts adds the nodes' counts by path. The sums saturate: the total
// of all of them never exceeds math.MaxInt, so that neither they nor a sum
// of them overflows into a negative count.
func sumCounts(states map[string]nodeState) map[string]int {
	sum := map[string]int{}
	total := 0
	for _, st := range states {
		for p, n := range st.Counts {
			n = min(n, math.MaxInt-total)
			if n <= 0 {
				continue
			}
			sum[p] += n
			total += n
		}
	}
	return sum
}
