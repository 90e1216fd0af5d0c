package cluster

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"slices"
	"sync"
	"time"

	"blog/internal/litefs"
)

// PeerTimeout bounds how long the cluster page waits for another node's
// report: a node that takes longer is shown as unreachable.
const PeerTimeout = 2 * time.Second

// Survey is the cluster page's view: this node's report and those of the
// other nodes it knows of, asked over HTTP as /admin/node like `blog
// check` does, so that each node's report comes from that node alone and
// nothing needs to travel through the gossip.
type Survey struct {
	local    *Reporter
	peers    func() []string
	password string
	client   *http.Client
}

// SurveyConfig is what a Survey needs; only Local is required.
type SurveyConfig struct {
	Local *Reporter
	// Peers returns the site addresses of the other nodes known now (its
	// primary, the members of the gossip), such as http://10.0.0.2:8080.
	Peers func() []string
	// Password is BLOG_ADMIN_PASSWORD, which every node shares.
	Password string
	// Client asks the other nodes; default: one with PeerTimeout.
	Client *http.Client
}

// NewSurvey returns the Survey of cfg.
func NewSurvey(cfg SurveyConfig) *Survey {
	s := &Survey{local: cfg.Local, peers: cfg.Peers, password: cfg.Password, client: cfg.Client}
	if s.peers == nil {
		s.peers = func() []string { return nil }
	}
	if s.client == nil {
		s.client = &http.Client{
			Timeout:       PeerTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	return s
}

// Local is this node's report.
func (s *Survey) Local(ctx context.Context) (Report, error) { return s.local.Report(ctx) }

// Member is a node as the cluster page lists it.
type Member struct {
	URL    string // where it was asked; "" for this node
	Self   bool
	Report Report      // when Err is nil
	Err    *FetchError // why there is no report
	// Behind is how many transactions it is behind the primary; InStep
	// says it is at the primary's. Neither is known without the primary's
	// report, or off LiteFS.
	Behind uint64
	InStep bool
}

// Members returns this node and every other node it knows of, each once
// (a node reached at two addresses shows once): this node first, then the
// primary, then the others by address. Nodes that cannot be asked are
// listed with the reason, after the others.
func (s *Survey) Members(ctx context.Context) ([]Member, error) {
	self, err := s.local.Report(ctx)
	if err != nil {
		return nil, err
	}
	urls := slices.Compact(slices.Sorted(slices.Values(s.peers())))
	fetched := make([]Member, len(urls))
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Go(func() {
			r, err := Fetch(ctx, s.client, u, s.password)
			fetched[i] = Member{URL: u, Report: r}
			if fe := (*FetchError)(nil); errors.As(err, &fe) {
				fetched[i].Err = fe
			}
		})
	}
	wg.Wait()

	members := []Member{{Self: true, Report: self}}
	seen := map[string]bool{self.ID: true}
	var failed []Member
	for _, m := range fetched {
		switch {
		case m.Err != nil:
			failed = append(failed, m)
		case !seen[m.Report.ID]:
			seen[m.Report.ID] = true
			members = append(members, m)
		}
	}
	slices.SortStableFunc(members[1:], func(a, b Member) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(a.URL, b.URL))
	})
	placeAgainstPrimary(members)
	return append(members, failed...), nil
}

func rank(m Member) int {
	if m.Report.Role == string(litefs.Primary) {
		return 0
	}
	return 1
}

// placeAgainstPrimary sets how far each node is behind the primary, when
// exactly one of them is the primary.
func placeAgainstPrimary(members []Member) {
	var primary *Member
	for i := range members {
		if members[i].Report.Role == string(litefs.Primary) {
			if primary != nil {
				return
			}
			primary = &members[i]
		}
	}
	if primary == nil {
		return
	}
	theirs, err := litefs.ParseTXID(primary.Report.TXID)
	if err != nil {
		return
	}
	for i := range members {
		mine, err := litefs.ParseTXID(members[i].Report.TXID)
		if err != nil {
			continue
		}
		if mine >= theirs {
			members[i].InStep = true
		} else {
			members[i].Behind = theirs - mine
		}
	}
}
