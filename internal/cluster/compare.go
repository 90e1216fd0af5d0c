package cluster

import (
	"fmt"
	"strings"

	"blog/internal/litefs"
)

// Compared is one node's report set against the reference's.
type Compared struct {
	URL    string
	Report Report
	// TXIDDiffers marks a TXID that is not the reference's.
	TXIDDiffers bool
	// Behind is how many transactions the node is behind the reference,
	// when both are on LiteFS and it is behind; else 0.
	Behind uint64
	// Differs names the tables whose count is not the reference's.
	Differs map[string]bool
}

// Verdict is what `blog check` concludes from the nodes' reports.
type Verdict struct {
	Nodes     []Compared
	Reference int      // the node the others are compared with: the primary
	Problems  []string // one line for each difference, empty when they agree
	// CatchingUp says some replica is at another TXID than the primary:
	// asking again a moment later may find them level.
	CatchingUp bool
}

// Same reports whether every node holds the same counts at the same TXID.
func (v Verdict) Same() bool { return len(v.Problems) == 0 }

// Compare sets each node's report against the primary's (the first
// node's when none is primary): the same TXID, and the same count of every
// table. Two nodes at one TXID of one cluster hold the same database, so
// counts that differ there mean the nodes are not one cluster's, or that
// one of them has been written to behind LiteFS's back.
func Compare(urls []string, reports []Report) Verdict {
	v := Verdict{Nodes: make([]Compared, len(reports))}
	for i, r := range reports {
		v.Nodes[i] = Compared{URL: urls[i], Report: r, Differs: map[string]bool{}}
		if r.Role == string(litefs.Primary) && reports[v.Reference].Role != string(litefs.Primary) {
			v.Reference = i
		}
	}
	if len(reports) == 0 {
		return v
	}
	ref := v.Nodes[v.Reference]
	what := "the primary"
	if ref.Report.Role != string(litefs.Primary) {
		what = "the first node"
	}
	for i := range v.Nodes {
		n := &v.Nodes[i]
		if i == v.Reference {
			continue
		}
		if n.Report.Role == string(litefs.Primary) {
			v.Problems = append(v.Problems, fmt.Sprintf("%s is a primary too: these nodes are not one cluster", n.URL))
		}
		if n.Report.TXID != ref.Report.TXID {
			n.TXIDDiffers = true
			v.Problems = append(v.Problems, txidProblem(n, ref, what))
			if n.Report.Role == string(litefs.Replica) && n.Report.TXID != "" && ref.Report.TXID != "" {
				v.CatchingUp = true
			}
		}
		var diffs []string
		refCounts := ref.Report.Counts.Tables()
		for j, c := range n.Report.Counts.Tables() {
			if c.Rows != refCounts[j].Rows {
				n.Differs[c.Table] = true
				diffs = append(diffs, fmt.Sprintf("%d %s where %s has %d", c.Rows, c.Table, what, refCounts[j].Rows))
			}
		}
		if len(diffs) > 0 {
			at := ""
			if !n.TXIDDiffers && n.Report.TXID != "" {
				at = " at the same TXID"
			}
			v.Problems = append(v.Problems, fmt.Sprintf("%s holds %s%s", n.URL, strings.Join(diffs, ", "), at))
		}
	}
	return v
}

// txidProblem says how a node's TXID differs from the reference's, and
// sets n.Behind when it is behind.
func txidProblem(n *Compared, ref Compared, what string) string {
	mine, err1 := litefs.ParseTXID(n.Report.TXID)
	theirs, err2 := litefs.ParseTXID(ref.Report.TXID)
	switch {
	case n.Report.TXID == "":
		return fmt.Sprintf("%s is not on LiteFS (standalone), where %s is at TXID %s", n.URL, what, ref.Report.TXID)
	case ref.Report.TXID == "":
		return fmt.Sprintf("%s is at TXID %s, where %s is not on LiteFS (standalone)", n.URL, n.Report.TXID, what)
	case err1 == nil && err2 == nil && mine < theirs:
		n.Behind = theirs - mine
		return fmt.Sprintf("%s is %d %s behind %s (TXID %s of %s)", n.URL, n.Behind,
			plural(n.Behind, "transaction"), what, n.Report.TXID, ref.Report.TXID)
	default:
		return fmt.Sprintf("%s is at TXID %s, ahead of %s at %s", n.URL, n.Report.TXID, what, ref.Report.TXID)
	}
}

func plural(n uint64, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
