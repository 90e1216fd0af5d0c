package presence

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestReadHello(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		want time.Duration // 0: skipped
	}{
		{`{"op":1,"d":{"heartbeat_interval":30000}}`, 30 * time.Second},
		{`{"op":1,"d":{"heartbeat_interval":41250.5}}`, 41250500 * time.Microsecond},
		{`{"op":1,"d":{"heartbeat_interval":9223372036855}}`, MaxHeartbeat},
		{`{"op":1,"d":{"heartbeat_interval":1e308}}`, MaxHeartbeat},
		{`{"op":1,"d":{"heartbeat_interval":300001}}`, MaxHeartbeat},
		{`{"op":1,"d":{"heartbeat_interval":1}}`, MinHeartbeat},
		{`{"op":1,"d":{"heartbeat_interval":0.001}}`, MinHeartbeat},
		{`{"op":1,"d":{"heartbeat_interval":0}}`, 0},
		{`{"op":1,"d":{"heartbeat_interval":-30000}}`, 0},
		{`{"op":1,"d":{"heartbeat_interval":1e400}}`, 0},
		{`{"op":1,"d":{"heartbeat_interval":"30000"}}`, 0},
		{`{"op":1,"d":{}}`, 0},
		{`{"op":1}`, 0},
	} {
		st, err := read([]byte(tc.msg))
		if st.heartbeat != tc.want || (err == nil) != (tc.want != 0) || st.subscribe != (tc.want != 0) || st.presence != nil {
			t.Errorf("%s: heartbeat %v, subscribe %v, err %v; want %v", tc.msg, st.heartbeat, st.subscribe, err, tc.want)
		}
	}
}

func TestReadPresence(t *testing.T) {
	st, err := read([]byte(`{"op":0,"seq":1,"t":"INIT_STATE","d":{"discord_user":{"username":"author\u0007\n"},
		"discord_status":"streaming","activities":[{"name":"Custom Status","type":4,"state":"` + strings.Repeat("é", 200) + `"},
		{"name":"Spotify","type":2},{"name":"Go","type":0},{"name":"a"},{"name":"b"},{"name":"c"},{"name":"d"}],
		"listening_to_spotify":true,"spotify":{"song":"A Song","artist":"An Artist","album":"An Album",
		"album_art_url":"javascript:alert(1)","track_id":"4uLU6hMCjMI75M1A2tKUQC"}}}`))
	if err != nil || st.presence == nil {
		t.Fatalf("read: %v, %+v", err, st)
	}
	var p Presence
	if err := json.Unmarshal(st.presence, &p); err != nil {
		t.Fatal(err)
	}
	state := []rune(p.Activities[0].State)
	if p.Username != "author" || p.Status != "offline" || len(p.Activities) != maxActivities ||
		len(state) != maxText || state[maxText-1] != '…' || p.Activities[2].Name != "Go" ||
		p.Spotify == nil || p.Spotify.AlbumArt != "" || p.Spotify.TrackID != "4uLU6hMCjMI75M1A2tKUQC" {
		t.Fatalf("presence %s", st.presence)
	}
}

// Every text at its limit and each character escaped to six bytes:
// encode cuts the presence to MaxJSON, keeping longest what the sidebar
// shows.
func TestEncodeFits(t *testing.T) {
	worst := strings.Repeat("<", maxText)
	p := Presence{Enabled: true, Connected: true, Status: "online", Username: strings.Repeat("&", maxName),
		Spotify: &Spotify{Song: "A Song", Artist: "An Artist", Album: worst, AlbumArt: "https://i.example/" + strings.Repeat("&", maxURL-18)}}
	for i := range maxActivities {
		p.Activities = append(p.Activities, Activity{Name: string(rune('A' + i)), State: worst, Details: worst})
	}
	full, _ := json.Marshal(p)
	b := encode(p)
	var got Presence
	if err := json.Unmarshal(b, &got); err != nil || len(b) > MaxJSON || len(full) <= MaxJSON {
		t.Fatalf("%d bytes cut to %d: %v", len(full), len(b), err)
	}
	want := Presence{Enabled: true, Connected: true, Status: "online", Username: p.Username,
		Activities: p.Activities[:1], Spotify: &Spotify{Song: "A Song", Artist: "An Artist"}}
	if w, _ := json.Marshal(want); string(b) != string(w) {
		t.Fatalf("cut to\n%s\nwant\n%s", b, w)
	}
}

// FuzzMessage feeds read anything a Lanyard could send: it must not panic,
// must keep a heartbeat interval within its bounds, and must hand on only
// valid JSON of the contract's shape, at most MaxJSON bytes.
func FuzzMessage(f *testing.F) {
	long := strings.Repeat("<&>\u2028", maxText/4+8) // past every limit, escaped six bytes a character
	for _, seed := range []string{
		`{"op":1,"d":{"heartbeat_interval":30000}}`,
		`{"op":1,"d":{"heartbeat_interval":9223372036855}}`,
		`{"op":1,"d":{"heartbeat_interval":1}}`,
		`{"op":1,"d":{"heartbeat_interval":-1}}`,
		`{"op":1,"d":{"heartbeat_interval":1e308}}`,
		`{"op":1,"d":{"heartbeat_interval":NaN}}`,
		`{"op":1,"d":null}`,
		`{"op":0,"seq":1,"t":"INIT_STATE","d":{"discord_user":{"username":"author","id":"94490510688792576"},
			"discord_status":"online","activities":[{"type":4,"state":"writing","name":"Custom Status"},
			{"name":"Spotify","type":2,"state":"An Artist","details":"A Song"},
			{"name":"Neovim","type":0,"details":"Editing main.go","timestamps":{"start":1700000000000}}],
			"listening_to_spotify":true,"spotify":{"song":"A Song","artist":"An Artist","album":"An Album",
			"album_art_url":"https://i.scdn.co/image/ab67616d0000b273","track_id":"4uLU6hMCjMI75M1A2tKUQC"},
			"kv":{"location":"home"}}}`,
		`{"op":0,"seq":2,"t":"PRESENCE_UPDATE","d":{"discord_status":"idle","activities":[],"listening_to_spotify":false,"spotify":null}}`,
		`{"op":0,"t":"PRESENCE_UPDATE","d":{"discord_status":"dnd","activities":[null,1,"x",{"type":1e30}]}}`,
		`{"op":0,"t":"PRESENCE_UPDATE","d":{"discord_user":{"username":"` + long + `"},"discord_status":"online","activities":[` +
			strings.Repeat(`{"name":"`+long+`","state":"`+long+`","details":"`+long+`"},`, 8) + `{}],
			"listening_to_spotify":true,"spotify":{"song":"` + long + `","artist":"` + long + `","album":"` + long + `",
			"album_art_url":"https://x/` + long + `","track_id":"` + long + `"}}}`,
		`{"op":0,"t":"INIT_STATE","d":{"activities":{"0":{}},"spotify":[],"discord_user":7}}`,
		`{"op":0,"t":"INIT_STATE","d":{"discord_user":{"username":"\xff\xfe\u0000"},"discord_status":"online\u0000"}}`,
		`{"op":2,"d":{"subscribe_to_id":"1"}}`,
		`{"op":"1"}`,
		`[1,2,3]`,
		`not json`,
		``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := read(data)
		if err != nil && (st.heartbeat != 0 || st.subscribe || st.presence != nil) {
			t.Fatalf("a skipped message asks for %+v", st)
		}
		if st.heartbeat != 0 && (st.heartbeat < MinHeartbeat || st.heartbeat > MaxHeartbeat) {
			t.Fatalf("heartbeat interval %v", st.heartbeat)
		}
		if st.presence == nil {
			return
		}
		if len(st.presence) > MaxJSON {
			t.Fatalf("a presence of %d bytes", len(st.presence))
		}
		var p map[string]json.RawMessage
		if err := json.Unmarshal(st.presence, &p); err != nil {
			t.Fatalf("%v: %s", err, st.presence)
		}
		for _, k := range []string{"enabled", "connected", "status", "activities", "spotify"} {
			if _, ok := p[k]; !ok {
				t.Fatalf("no %q: %s", k, st.presence)
			}
		}
		var status string
		var acts []Activity
		if json.Unmarshal(p["status"], &status) != nil || json.Unmarshal(p["activities"], &acts) != nil || acts == nil {
			t.Fatalf("not the contract's shape: %s", st.presence)
		}
		switch status {
		case "online", "idle", "dnd", "offline":
		default:
			t.Fatalf("status %q", status)
		}
		if len(acts) > maxActivities {
			t.Fatalf("%d activities", len(acts))
		}
	})
}
