package cluster

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"blog/internal/litefs"
	"blog/internal/sqlite/sqlitetest"
)

// TestSurveyListsEveryNodeOnce: this node first, then the primary, then the
// other nodes; a node known by two addresses once; one that cannot be
// asked last, with why; and each placed against the primary's TXID.
func TestSurveyListsEveryNodeOnce(t *testing.T) {
	peer := func(r Report) *httptest.Server {
		b, _ := json.Marshal(r)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if _, p, _ := req.BasicAuth(); p != "pw" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Write(b)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	hist := History{StepSeconds: 60}
	primary := peer(Report{ID: "p", Role: "primary", TXID: litefs.FormatTXID(12), History: hist})
	other := peer(Report{ID: "r2", Role: "replica", TXID: litefs.FormatTXID(9), History: hist})
	self := NewReporter(ReporterConfig{DB: sqlitetest.Open(t),
		Position: &position{status: litefs.Status{Role: litefs.Replica, Primary: "p"}, txids: []uint64{12}}})
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(401) }))
	t.Cleanup(refusing.Close)

	s := NewSurvey(SurveyConfig{Local: self, Password: "pw", Peers: func() []string {
		// The primary by its name and by the gossip's address: the same node.
		return []string{other.URL, refusing.URL, primary.URL, primary.URL + "/"}
	}})
	ms, err := s.Members(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		switch {
		case m.Err != nil:
			got = append(got, "error:"+m.Err.Kind)
		case m.InStep:
			got = append(got, m.Report.ID+":in step")
		default:
			got = append(got, m.Report.ID+":behind "+string(rune('0'+m.Behind)))
		}
	}
	want := []string{self.ID() + ":in step", "p:in step", "r2:behind 3", "error:" + Refused}
	if len(got) != len(want) {
		t.Fatalf("members %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("members %q, want %q", got, want)
		}
	}
	if !ms[0].Self || ms[0].URL != "" || ms[1].URL == "" {
		t.Errorf("this node is %+v, the primary %+v", ms[0], ms[1])
	}
}
